// The store's run-level coordination (contract in event_store.h): cluster locks, run leases and
// the fenced append, each checked and written in one transaction.
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <set>

#include "audit/event_store.h"
#include "audit/event_store_sql.h"

namespace tcplan::audit {

namespace {

boost::json::object owner_json(const LeaseOwner& o) {
  return {{"host", o.host}, {"pid", o.pid}, {"started", o.started}};
}

std::string owner_text(const Lease& l) {
  return "pid " + std::to_string(l.owner.pid) + " on host " + l.owner.host;
}

}  // namespace

base::Result<std::optional<LockInfo>> EventStore::lock_holder(const std::string& name) const {
  // Caller holds mu_ (inside a transaction) or takes it (locks()).
  sql::Stmt s;
  std::string q = std::string("SELECT ") + sql::kColumns +
                  " FROM events WHERE item = ?1 AND kind IN ('lock_acquired','lock_released')"
                  " ORDER BY seq DESC LIMIT 1";
  if (sqlite3_prepare_v2(db_, q.c_str(), -1, &s.s, nullptr) != SQLITE_OK) {
    return sql::db_error(db_, "audit lock lookup");
  }
  sql::bind_text(s.s, 1, name);
  if (sqlite3_step(s.s) != SQLITE_ROW) return std::optional<LockInfo>();
  Event e = sql::read_row(s.s);
  if (e.kind != EventKind::kLockAcquired) return std::optional<LockInfo>();
  return std::optional<LockInfo>(
      LockInfo{name, e.run_id, e.operator_user, e.operator_host, e.seq, e.time_ms});
}

base::Result<std::vector<Event>> EventStore::acquire_locks(const std::vector<std::string>& names,
                                                           const std::string& run_id,
                                                           const std::string& reason) {
  std::vector<Event> taken;
  auto ok = in_transaction([&]() -> base::Status<base::Error> {
    taken.clear();
    for (const auto& name : std::set<std::string>(names.begin(), names.end())) {
      auto holder = lock_holder(name);
      if (!holder) return holder.error();
      if (*holder && (*holder)->holder_run_id == run_id) continue;  // ours already: kept
      if (*holder) {
        const LockInfo& h = **holder;
        return base::Error{"lock " + name + " is held by run " + h.holder_run_id + " (" +
                           h.operator_user + "@" + h.operator_host + ", since event " +
                           std::to_string(h.acquired_seq) + ")"};
      }
      Event e;
      e.kind = EventKind::kLockAcquired;
      e.run_id = run_id;
      e.item = name;
      e.payload = boost::json::serialize(boost::json::object{{"reason", reason}});
      prepare(e);
      if (auto inserted = insert(e, nullptr); !inserted) return inserted;
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
  auto ok = in_transaction([&]() -> base::Status<base::Error> {
    released.clear();
    for (const auto& name : std::set<std::string>(names.begin(), names.end())) {
      auto holder = lock_holder(name);
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
      if (auto inserted = insert(e, nullptr); !inserted) return inserted;
      released.push_back(std::move(e));
    }
    return {};
  });
  if (!ok) return ok.error();
  return released;
}

base::Result<Event> EventStore::acquire_lock(const std::string& name, const std::string& run_id,
                                             const std::string& reason) {
  Event e;
  e.kind = EventKind::kLockAcquired;
  e.run_id = run_id;
  e.item = name;
  e.payload = boost::json::serialize(boost::json::object{{"reason", reason}});
  return append_checked(std::move(e), [&](Event&) -> base::Status<base::Error> {
    auto holder = lock_holder(name);
    if (!holder) return holder.error();
    if (*holder && (*holder)->holder_run_id != run_id) {
      const LockInfo& h = **holder;
      return base::Error{"lock " + name + " is held by run " + h.holder_run_id + " (" +
                         h.operator_user + "@" + h.operator_host + ", since event " +
                         std::to_string(h.acquired_seq) + ")"};
    }
    if (*holder) return base::Error{"lock " + name + " is already held by this run"};
    return {};
  });
}

base::Result<Event> EventStore::release_lock(const std::string& name, const std::string& run_id,
                                             bool force) {
  Event e;
  e.kind = EventKind::kLockReleased;
  e.run_id = run_id;
  e.item = name;
  return append_checked(std::move(e), [&](Event& pending) -> base::Status<base::Error> {
    auto holder = lock_holder(name);
    if (!holder) return holder.error();
    if (!*holder) return base::Error{"lock " + name + " is not held"};
    if ((*holder)->holder_run_id != run_id && !force) {
      return base::Error{"lock " + name + " is held by run " + (*holder)->holder_run_id + ", not " +
                         run_id + " (release it with force)"};
    }
    boost::json::object q;
    q["forced"] = force;
    q["holder_run_id"] = (*holder)->holder_run_id;
    pending.payload = boost::json::serialize(q);
    return {};
  });
}

base::Result<std::vector<LockInfo>> EventStore::locks() const {
  std::vector<std::string> names;
  {
    std::lock_guard<std::mutex> lock(mu_);
    sql::Stmt s;
    sqlite3_prepare_v2(
        db_, "SELECT DISTINCT item FROM events WHERE kind = 'lock_acquired' ORDER BY item", -1,
        &s.s, nullptr);
    while (s.s != nullptr && sqlite3_step(s.s) == SQLITE_ROW)
      names.push_back(sql::text_col(s.s, 0));
  }
  std::vector<LockInfo> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& name : names) {
    auto holder = lock_holder(name);
    if (!holder) return holder.error();
    if (*holder) out.push_back(**holder);
  }
  return out;
}

// --- Leases ---------------------------------------------------------------------------------

namespace {

constexpr const char* kLeaseColumns =
    "run_id, epoch, host, pid, started, acquired_ms, heartbeat_ms, released";

Lease read_lease(sqlite3_stmt* s) {
  Lease l;
  l.run_id = sql::text_col(s, 0);
  l.epoch = sqlite3_column_int64(s, 1);
  l.owner.host = sql::text_col(s, 2);
  l.owner.pid = sqlite3_column_int64(s, 3);
  l.owner.started = sql::text_col(s, 4);
  l.acquired_ms = sqlite3_column_int64(s, 5);
  l.heartbeat_ms = sqlite3_column_int64(s, 6);
  l.released = sqlite3_column_int64(s, 7) != 0;
  return l;
}

}  // namespace

base::Result<std::optional<Lease>> EventStore::lease_row(const std::string& run_id) const {
  // Caller holds mu_.
  sql::Stmt s;
  std::string q = std::string("SELECT ") + kLeaseColumns + " FROM leases WHERE run_id = ?1";
  if (sqlite3_prepare_v2(db_, q.c_str(), -1, &s.s, nullptr) != SQLITE_OK) {
    return sql::db_error(db_, "audit lease lookup");
  }
  sql::bind_text(s.s, 1, run_id);
  int rc = sqlite3_step(s.s);
  if (rc == SQLITE_DONE) return std::optional<Lease>();
  if (rc != SQLITE_ROW) return sql::db_error(db_, "audit lease lookup");
  return std::optional<Lease>(read_lease(s.s));
}

base::Result<Lease, LeaseError> EventStore::acquire_lease(const std::string& run_id,
                                                          const LeaseOwner& owner, LeaseMode mode,
                                                          const TakeoverCheck& may_take_over) {
  LeaseError refusal;
  Lease acquired;
  auto ok = in_transaction([&]() -> base::Status<base::Error> {
    auto current = lease_row(run_id);
    if (!current) return current.error();
    bool has_events = false;
    {
      sql::Stmt s;
      sqlite3_prepare_v2(db_, "SELECT 1 FROM events WHERE run_id = ?1 LIMIT 1", -1, &s.s, nullptr);
      sql::bind_text(s.s, 1, run_id);
      has_events = s.s != nullptr && sqlite3_step(s.s) == SQLITE_ROW;
    }
    if (mode == LeaseMode::kNewRun && (has_events || *current)) {
      refusal = {
          LeaseError::Reason::kRunExists,
          "run id " + run_id + " is already in " + path_.string() + ": not starting it again",
          std::nullopt};
      return base::Error{refusal.message};
    }
    if (mode == LeaseMode::kExistingRun && !has_events) {
      refusal = {LeaseError::Reason::kNoSuchRun, "no run " + run_id + " in " + path_.string(),
                 std::nullopt};
      return base::Error{refusal.message};
    }
    const std::int64_t now = options_.clock_ms();
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
    {
      sql::Stmt up;
      sqlite3_prepare_v2(db_,
                         "INSERT OR REPLACE INTO leases (run_id, epoch, host, pid, started, "
                         "acquired_ms, heartbeat_ms, released) VALUES (?1,?2,?3,?4,?5,?6,?6,0)",
                         -1, &up.s, nullptr);
      sql::bind_text(up.s, 1, run_id);
      sqlite3_bind_int64(up.s, 2, acquired.epoch);
      sql::bind_text(up.s, 3, owner.host);
      sqlite3_bind_int64(up.s, 4, owner.pid);
      sql::bind_text(up.s, 5, owner.started);
      sqlite3_bind_int64(up.s, 6, now);
      if (up.s == nullptr || sqlite3_step(up.s) != SQLITE_DONE) {
        return sql::db_error(db_, "audit lease: writing the lease of " + run_id);
      }
    }
    Event e;
    e.kind = takeover ? EventKind::kLeaseTakenOver : EventKind::kLeaseAcquired;
    e.run_id = run_id;
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
    prepare(e);
    return insert(e, nullptr);
  });
  if (!ok) {
    if (refusal.message.empty()) refusal = {LeaseError::Reason::kStore, ok.error().message, {}};
    return refusal;
  }
  return acquired;
}

base::Status<base::Error> EventStore::check_fence(const std::string& run_id, std::int64_t epoch,
                                                  bool& lost) const {
  auto current = lease_row(run_id);
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
  auto ok = in_transaction([&]() -> base::Status<base::Error> {
    if (auto fenced = check_fence(run_id, epoch, lost); !fenced) return fenced;
    sql::Stmt s;
    sqlite3_prepare_v2(db_, "UPDATE leases SET heartbeat_ms = ?1 WHERE run_id = ?2", -1, &s.s,
                       nullptr);
    sqlite3_bind_int64(s.s, 1, options_.clock_ms());
    sql::bind_text(s.s, 2, run_id);
    if (s.s == nullptr || sqlite3_step(s.s) != SQLITE_DONE) {
      return sql::db_error(db_, "audit lease: heartbeat of " + run_id);
    }
    return {};
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
  auto ok = in_transaction([&]() -> base::Status<base::Error> {
    if (auto fenced = check_fence(run_id, epoch, lost); !fenced) return fenced;
    sql::Stmt s;
    sqlite3_prepare_v2(db_, "UPDATE leases SET released = 1 WHERE run_id = ?1", -1, &s.s, nullptr);
    sql::bind_text(s.s, 1, run_id);
    if (s.s == nullptr || sqlite3_step(s.s) != SQLITE_DONE) {
      return sql::db_error(db_, "audit lease: releasing " + run_id);
    }
    return insert(e, nullptr);
  });
  if (!ok) return FenceError{ok.error().message, lost};
  return e;
}

base::Result<Event, FenceError> EventStore::append_fenced(Event e, std::int64_t epoch) {
  prepare(e);
  bool lost = false;
  auto ok = in_transaction([&]() -> base::Status<base::Error> {
    if (auto fenced = check_fence(e.run_id, epoch, lost); !fenced) return fenced;
    return insert(e, nullptr);
  });
  if (!ok) return FenceError{ok.error().message, lost};
  return e;
}

base::Result<std::vector<Event>, FenceError> EventStore::append_batch(std::vector<Event> events,
                                                                      std::int64_t fence_epoch) {
  if (events.empty()) return events;
  for (auto& e : events)
    prepare(e);
  bool lost = false;
  auto ok = in_transaction([&]() -> base::Status<base::Error> {
    if (fence_epoch > 0) {
      if (auto fenced = check_fence(events.front().run_id, fence_epoch, lost); !fenced) {
        return fenced;
      }
    }
    for (auto& e : events) {
      if (auto inserted = insert(e, nullptr); !inserted) return inserted;
    }
    return {};
  });
  if (!ok) return FenceError{ok.error().message, lost};
  return events;
}

base::Result<std::optional<Lease>> EventStore::lease(const std::string& run_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return lease_row(run_id);
}

base::Result<std::vector<Lease>> EventStore::leases() const {
  std::lock_guard<std::mutex> lock(mu_);
  sql::Stmt s;
  std::string q = std::string("SELECT ") + kLeaseColumns + " FROM leases ORDER BY run_id";
  if (sqlite3_prepare_v2(db_, q.c_str(), -1, &s.s, nullptr) != SQLITE_OK) {
    return sql::db_error(db_, "audit leases");
  }
  std::vector<Lease> out;
  int rc;
  while ((rc = sqlite3_step(s.s)) == SQLITE_ROW)
    out.push_back(read_lease(s.s));
  if (rc != SQLITE_DONE) return sql::db_error(db_, "audit leases");
  return out;
}

}  // namespace tcplan::audit
