// The store's run-level coordination (contract in event_store.h): cluster locks, run leases and
// the fenced append, each checked and written in one chain transaction — the same rules on
// SQLite and on PostgreSQL.
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <map>
#include <set>

#include "audit/event_store.h"

namespace tcplan::audit {

namespace {

boost::json::object owner_json(const LeaseOwner& o) {
  return {{"host", o.host}, {"pid", o.pid}, {"started", o.started}};
}

std::string owner_text(const Lease& l) {
  return "pid " + std::to_string(l.owner.pid) + " on host " + l.owner.host;
}

std::string held_text(const std::string& name, const LockInfo& h) {
  return "lock " + name + " is held by run " + h.holder_run_id + " (" + h.operator_user + "@" +
         h.operator_host + ", since event " + std::to_string(h.acquired_seq) + ")";
}

std::optional<LockInfo> holder_of(const Event& last) {
  if (last.kind != EventKind::kLockAcquired) return std::nullopt;
  return LockInfo{last.item,          last.run_id, last.operator_user,
                  last.operator_host, last.seq,    last.time_ms};
}

}  // namespace

base::Result<std::optional<LockInfo>> EventStore::lock_holder(Tx& tx,
                                                              const std::string& name) const {
  EventFilter f;
  f.item = name;
  f.kinds = {EventKind::kLockAcquired, EventKind::kLockReleased};
  f.newest_first = true;
  f.limit = 1;
  auto last = tx.tx.select(f);
  if (!last) return last.error();
  if (last->empty()) return std::optional<LockInfo>();
  return holder_of(last->front());
}

base::Result<std::vector<Event>> EventStore::acquire_locks(const std::vector<std::string>& names,
                                                           const std::string& run_id,
                                                           const std::string& reason) {
  std::vector<Event> taken;
  auto ok = write([&](Tx& tx) -> base::Status<base::Error> {
    taken.clear();
    for (const auto& name : std::set<std::string>(names.begin(), names.end())) {
      auto holder = lock_holder(tx, name);
      if (!holder) return holder.error();
      if (*holder && (*holder)->holder_run_id == run_id) continue;  // ours already: kept
      if (*holder) return base::Error{held_text(name, **holder)};
      Event e;
      e.kind = EventKind::kLockAcquired;
      e.run_id = run_id;
      e.item = name;
      e.payload = boost::json::serialize(boost::json::object{{"reason", reason}});
      prepare(e);
      if (auto inserted = insert(tx, e, nullptr); !inserted) return inserted;
      taken.push_back(std::move(e));
    }
    return {};
  });
  if (!ok) return ok.error();
  return taken;
}

base::Result<std::vector<Event>> EventStore::release_locks(const std::vector<std::string>& names,
                                                           const std::string& run_id) {
  std::vector<Event> released;
  auto ok = write([&](Tx& tx) -> base::Status<base::Error> {
    released.clear();
    for (const auto& name : std::set<std::string>(names.begin(), names.end())) {
      auto holder = lock_holder(tx, name);
      if (!holder) return holder.error();
      if (!*holder) return base::Error{"lock " + name + " is not held"};
      if ((*holder)->holder_run_id != run_id) {
        return base::Error{"lock " + name + " is held by run " + (*holder)->holder_run_id +
                           ", not " + run_id};
      }
      Event e;
      e.kind = EventKind::kLockReleased;
      e.run_id = run_id;
      e.item = name;
      e.payload =
          boost::json::serialize(boost::json::object{{"forced", false}, {"holder_run_id", run_id}});
      prepare(e);
      if (auto inserted = insert(tx, e, nullptr); !inserted) return inserted;
      released.push_back(std::move(e));
    }
    return {};
  });
  if (!ok) return ok.error();
  return released;
}

base::Result<Event> EventStore::acquire_lock(const std::string& name, const std::string& run_id,
                                             const std::string& reason) {
  auto taken = acquire_locks({name}, run_id, reason);
  if (!taken) return taken.error();
  if (taken->empty()) return base::Error{"lock " + name + " is already held by this run"};
  return taken->front();
}

base::Result<Event> EventStore::release_lock(const std::string& name, const std::string& run_id,
                                             bool force) {
  Event e;
  e.kind = EventKind::kLockReleased;
  e.run_id = run_id;
  e.item = name;
  prepare(e);
  auto ok = write([&](Tx& tx) -> base::Status<base::Error> {
    e.time_ms = 0;
    auto holder = lock_holder(tx, name);
    if (!holder) return holder.error();
    if (!*holder) return base::Error{"lock " + name + " is not held"};
    if ((*holder)->holder_run_id != run_id && !force) {
      return base::Error{"lock " + name + " is held by run " + (*holder)->holder_run_id + ", not " +
                         run_id + " (release it with force)"};
    }
    boost::json::object q;
    q["forced"] = force;
    q["holder_run_id"] = (*holder)->holder_run_id;
    e.payload = boost::json::serialize(q);
    return insert(tx, e, nullptr);
  });
  if (!ok) return ok.error();
  return e;
}

base::Result<std::vector<LockInfo>> EventStore::locks() const {
  // Every lock event, folded: the last one per name says whether it is held.
  EventFilter f;
  f.kinds = {EventKind::kLockAcquired, EventKind::kLockReleased};
  auto events = backend_->select(f);
  if (!events) return events.error();
  std::map<std::string, const Event*> last;
  for (const auto& e : *events)
    last[e.item] = &e;
  std::vector<LockInfo> out;
  for (const auto& [name, e] : last) {
    if (auto h = holder_of(*e)) out.push_back(*h);
  }
  return out;
}

// --- Leases ---------------------------------------------------------------------------------

base::Result<Lease, LeaseError> EventStore::acquire_lease(const std::string& run_id,
                                                          const LeaseOwner& owner, LeaseMode mode,
                                                          const TakeoverCheck& may_take_over) {
  LeaseError refusal;
  Lease acquired;
  Event e;
  e.run_id = run_id;
  prepare(e);
  auto ok = write([&](Tx& tx) -> base::Status<base::Error> {
    refusal = {};
    auto current = tx.tx.lease(run_id);
    if (!current) return current.error();
    EventFilter of_run;
    of_run.run_id = run_id;
    of_run.limit = 1;
    auto first = tx.tx.select(of_run);
    if (!first) return first.error();
    const bool has_events = !first->empty();
    if (mode == LeaseMode::kNewRun && (has_events || *current)) {
      refusal = {LeaseError::Reason::kRunExists,
                 "run id " + run_id + " is already in " + describe() + ": not starting it again",
                 std::nullopt};
      return base::Error{refusal.message};
    }
    if (mode == LeaseMode::kExistingRun && !has_events) {
      refusal = {LeaseError::Reason::kNoSuchRun, "no run " + run_id + " in " + describe(),
                 std::nullopt};
      return base::Error{refusal.message};
    }
    const std::int64_t now = clock(tx);
    std::optional<std::string> takeover;
    if (*current && !(*current)->released) {
      takeover = may_take_over ? may_take_over(**current, now) : std::nullopt;
      if (!takeover) {
        const Lease& h = **current;
        refusal = {LeaseError::Reason::kHeld,
                   "run " + run_id + " is being driven by " + owner_text(h) + " (lease epoch " +
                       std::to_string(h.epoch) + ", last heartbeat " +
                       std::to_string((now - h.heartbeat_ms) / 1000) + " s ago)",
                   h};
        return base::Error{refusal.message};
      }
    }
    acquired = Lease{run_id, *current ? (*current)->epoch + 1 : 1, owner, now, now, false};
    if (auto put = tx.tx.put_lease(acquired); !put) return put;
    e.kind = takeover ? EventKind::kLeaseTakenOver : EventKind::kLeaseAcquired;
    e.time_ms = 0;
    boost::json::object p = owner_json(owner);
    p["epoch"] = acquired.epoch;
    if (takeover) {
      boost::json::object prev = owner_json((*current)->owner);
      prev["epoch"] = (*current)->epoch;
      prev["heartbeat_ms"] = (*current)->heartbeat_ms;
      p["previous"] = std::move(prev);
      p["reason"] = *takeover;
    }
    e.payload = boost::json::serialize(p);
    return insert(tx, e, nullptr);
  });
  if (!ok) {
    if (refusal.message.empty()) refusal = {LeaseError::Reason::kStore, ok.error().message, {}};
    return refusal;
  }
  return acquired;
}

base::Status<base::Error> EventStore::check_fence(Tx& tx, const std::string& run_id,
                                                  std::int64_t epoch, bool& lost) const {
  auto current = tx.tx.lease(run_id);
  if (!current) return current.error();
  if (*current && (*current)->epoch == epoch && !(*current)->released) return {};
  lost = true;
  if (!*current) return base::Error{"run " + run_id + " has no lease"};
  if ((*current)->epoch != epoch) {
    return base::Error{"this process lost run " + run_id + " (its lease epoch " +
                       std::to_string(epoch) + " was taken over by " + owner_text(**current) +
                       ", epoch " + std::to_string((*current)->epoch) +
                       "): it records and sends "
                       "nothing more"};
  }
  return base::Error{"the lease of run " + run_id + " was released"};
}

base::Status<FenceError> EventStore::renew_lease(const std::string& run_id, std::int64_t epoch) {
  bool lost = false;
  auto ok = write([&](Tx& tx) -> base::Status<base::Error> {
    lost = false;
    if (auto fenced = check_fence(tx, run_id, epoch, lost); !fenced) return fenced;
    auto current = tx.tx.lease(run_id);
    if (!current) return current.error();
    Lease renewed = **current;
    renewed.heartbeat_ms = clock(tx);
    return tx.tx.put_lease(renewed);
  });
  if (!ok) return FenceError{ok.error().message, lost};
  return {};
}

base::Result<Event, FenceError> EventStore::release_lease(const std::string& run_id,
                                                          std::int64_t epoch) {
  Event e;
  e.kind = EventKind::kLeaseReleased;
  e.run_id = run_id;
  e.payload = boost::json::serialize(boost::json::object{{"epoch", epoch}});
  prepare(e);
  bool lost = false;
  auto ok = write([&](Tx& tx) -> base::Status<base::Error> {
    lost = false;
    e.time_ms = 0;
    if (auto fenced = check_fence(tx, run_id, epoch, lost); !fenced) return fenced;
    auto current = tx.tx.lease(run_id);
    if (!current) return current.error();
    Lease released = **current;
    released.released = true;
    if (auto put = tx.tx.put_lease(released); !put) return put;
    return insert(tx, e, nullptr);
  });
  if (!ok) return FenceError{ok.error().message, lost};
  return e;
}

base::Result<Event, FenceError> EventStore::append_fenced(Event e, std::int64_t epoch) {
  std::vector<Event> one;
  one.push_back(std::move(e));
  auto r = append_batch(std::move(one), epoch);
  if (!r) return r.error();
  return std::move(r->front());
}

base::Result<std::vector<Event>, FenceError> EventStore::append_batch(std::vector<Event> events,
                                                                      std::int64_t fence_epoch) {
  if (events.empty()) return events;
  for (auto& e : events)
    prepare(e);
  std::vector<std::int64_t> given_times;
  for (const auto& e : events)
    given_times.push_back(e.time_ms);
  bool lost = false;
  // One job of the store's group commit: these events are committed together, possibly in
  // one transaction with other writers' jobs, all of them or none.
  auto ok = write([&](Tx& tx) -> base::Status<base::Error> {
    lost = false;
    if (fence_epoch > 0) {
      if (auto fenced = check_fence(tx, events.front().run_id, fence_epoch, lost); !fenced) {
        return fenced;
      }
    }
    for (std::size_t i = 0; i < events.size(); ++i) {
      events[i].time_ms = given_times[i];  // a retried job starts from the events as given
      if (auto inserted = insert(tx, events[i], nullptr); !inserted) return inserted;
    }
    return {};
  });
  if (!ok) return FenceError{ok.error().message, lost};
  return events;
}

base::Result<std::optional<Lease>> EventStore::lease(const std::string& run_id) const {
  auto all = backend_->leases();
  if (!all) return all.error();
  for (auto& l : *all) {
    if (l.run_id == run_id) return std::optional<Lease>(std::move(l));
  }
  return std::optional<Lease>();
}

base::Result<std::vector<Lease>> EventStore::leases() const {
  return backend_->leases();
}

}  // namespace tcplan::audit
