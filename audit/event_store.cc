// The audit store's rules over either backend (contract in event_store.h): redaction, the
// chain, group commit, seals and witnesses, reads.
#include "audit/event_store.h"

#include <pwd.h>
#include <unistd.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdlib>

#include "audit/chain.h"
#include "audit/pg_backend.h"
#include "audit/sqlite_backend.h"

namespace tcplan::audit {
namespace {

std::mutex g_host_mu;
std::string g_host_name;

// A transaction this large is still one quick commit; beyond it a long queue is committed in
// several, so no single transaction holds the chain for long.
constexpr std::size_t kMaxBatch = 256;

}  // namespace

struct EventStore::Pending {
  Job job;
  base::Status<base::Error> result;
  bool done = false;
};

std::string current_os_user() {
  // Looked up once: the euid does not change, and appenders on several threads call this.
  // getpwuid_r, because getpwuid's static buffer is shared with any other caller in the process.
  static const std::string user = [] {
    passwd pw{};
    passwd* found = nullptr;
    std::vector<char> buf(16384);
    if (::getpwuid_r(::geteuid(), &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr &&
        found->pw_name != nullptr) {
      return std::string(found->pw_name);
    }
    const char* env = std::getenv("USER");
    return env != nullptr ? std::string(env) : std::to_string(::geteuid());
  }();
  return user;
}

void set_host_name(std::string name) {
  std::lock_guard<std::mutex> lock(g_host_mu);
  g_host_name = std::move(name);
}

std::string current_host() {
  {
    std::lock_guard<std::mutex> lock(g_host_mu);
    if (!g_host_name.empty()) return g_host_name;
  }
  if (const char* env = std::getenv("TCPLAN_HOST"); env != nullptr && *env != '\0') return env;
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

EventStore::EventStore(StoreLocation location, std::unique_ptr<Backend> backend,
                       StoreOptions options)
    : location_(std::move(location)), backend_(std::move(backend)), options_(std::move(options)) {
  if (!options_.redactor) {
    options_.redactor =
        std::shared_ptr<base::Redactor>(&base::process_redactor(), [](base::Redactor*) {});
  }
}

EventStore::~EventStore() = default;

base::Result<std::unique_ptr<EventStore>> EventStore::open(const std::string& location,
                                                           StoreOptions options) {
  auto where = parse_location(location);
  if (!where) return where.error();
  // A password in the connection string (discouraged: docs/team.md) is never written
  // anywhere: messages and the trail name the store without it, and the value itself is
  // redacted wherever it might appear.
  if (where->has_password) base::process_redactor().add_secret(where->password);
  std::unique_ptr<Backend> backend;
  if (where->kind == StoreLocation::Kind::kPostgres) {
    auto b = open_pg_backend(*where, PgOpenOptions{options.busy_timeout});
    if (!b) return b.error();
    backend = std::move(*b);
  } else {
    auto b = open_sqlite_backend(where->file,
                                 SqliteOpenOptions{options.busy_timeout, options.read_only});
    if (!b) return b.error();
    backend = std::move(*b);
  }
  return std::unique_ptr<EventStore>(
      new EventStore(std::move(*where), std::move(backend), std::move(options)));
}

// --- Group commit --------------------------------------------------------------------------

base::Status<base::Error> EventStore::write(Job job) {
  Pending me{std::move(job), {}, false};
  std::unique_lock<std::mutex> lock(queue_mu_);
  queue_.push_back(&me);
  for (;;) {
    if (me.done) return me.result;
    if (committing_) {
      queue_cv_.wait(lock);
      continue;
    }
    // Leader: take what is waiting (this write included, unless an earlier leader already
    // committed it) and commit it as one transaction, outside the queue's lock.
    committing_ = true;
    std::vector<Pending*> batch;
    const std::size_t n = options_.group_commit ? std::min(queue_.size(), kMaxBatch) : 1;
    batch.assign(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    lock.unlock();
    commit_batch(batch);
    lock.lock();
    for (Pending* p : batch)
      p->done = true;
    committing_ = false;
    queue_cv_.notify_all();
  }
}

void EventStore::commit_batch(const std::vector<Pending*>& batch) {
  const bool several = batch.size() > 1;
  auto ok = backend_->write([&](WriteTx& wtx) -> base::Status<base::Error> {
    Tx tx{wtx, wtx.head(), wtx.now_ms()};
    for (Pending* p : batch) {
      if (!several) {
        // Alone in its transaction: a failure rolls the whole transaction back.
        p->result = p->job(tx);
        return p->result;
      }
      // Each write in a savepoint of its own: one that fails (a fence, a held lock, a value
      // the database refuses) leaves the others' writes in place.
      if (auto sp = wtx.savepoint(); !sp) return sp;
      const ChainHead before = tx.head;
      p->result = p->job(tx);
      if (p->result) {
        if (auto rel = wtx.release_savepoint(); !rel) return rel;
      } else {
        tx.head = before;
        if (auto back = wtx.rollback_to_savepoint(); !back) return back;
      }
    }
    return {};
  });
  transactions_.fetch_add(1);
  writes_.fetch_add(static_cast<std::int64_t>(batch.size()));
  if (ok) return;
  // Nothing of the transaction was kept: every write that had succeeded inside it failed.
  for (Pending* p : batch) {
    if (p->result) p->result = ok.error();
  }
}

std::size_t EventStore::queued() const {
  std::lock_guard<std::mutex> lock(queue_mu_);
  return queue_.size();
}

// --- Appends ---------------------------------------------------------------------------------

base::Result<Event> EventStore::append(Event event) {
  return append_checked(std::move(event), nullptr);
}

void EventStore::prepare(Event& e) {
  // Redact first: nothing below (hash, row, error message) may see a secret.
  e.payload = options_.redactor->redact_payload(e.payload.empty() ? "{}" : e.payload);
  for (std::string* field :
       {&e.run_id, &e.step_id, &e.item, &e.service, &e.action, &e.version, &e.region, &e.endpoint,
        &e.request_id, &e.client_token, &e.error_code}) {
    *field = options_.redactor->redact_text(std::move(*field));
  }
  if (e.operator_user.empty()) e.operator_user = current_os_user();
  if (e.operator_host.empty()) e.operator_host = current_host();
  if (e.tool_version.empty()) e.tool_version = std::string("tcplan ") + TCPLAN_VERSION;
}

base::Status<base::Error> EventStore::insert(Tx& tx, Event& e, const Check& check) {
  e.seq = tx.head.seq + 1;
  e.prev_hash = tx.head.hash;
  if (e.time_ms == 0) e.time_ms = clock(tx);
  if (check) {
    // What `check` writes (seal and lock payloads) is built here from no user input, so it
    // is not redacted again: a seal's "public_key" must survive the key-name rule.
    if (auto ok = check(e); !ok) return ok;
  }
  e.hash = chain_hash(e.prev_hash, e);
  if (auto ok = tx.tx.insert(e); !ok) return ok;
  tx.head = ChainHead{e.seq, e.hash};
  return {};
}

base::Result<Event> EventStore::append_checked(Event e, const Check& check) {
  prepare(e);
  const std::int64_t given_time = e.time_ms;
  auto ok = write([&](Tx& tx) {
    e.time_ms = given_time;  // a retried job starts from the event as it was given
    return insert(tx, e, check);
  });
  if (!ok) return ok.error();
  return e;
}

base::Status<base::Error> EventStore::import_events(const std::vector<Event>& events) {
  return write([&](Tx& tx) -> base::Status<base::Error> {
    for (const Event& e : events) {
      if (e.seq != tx.head.seq + 1 || e.prev_hash != tx.head.hash) {
        return base::Error{"event " + std::to_string(e.seq) + " does not continue " + describe() +
                           " (its head is event " + std::to_string(tx.head.seq) + ")"};
      }
      if (chain_hash(e.prev_hash, e) != e.hash) {
        return base::Error{"event " + std::to_string(e.seq) + ": hash mismatch"};
      }
      if (auto ok = tx.tx.insert(e); !ok) return ok;
      tx.head = ChainHead{e.seq, e.hash};
    }
    return {};
  });
}

base::Status<base::Error> EventStore::import_lease(const Lease& lease) {
  return write([&](Tx& tx) { return tx.tx.put_lease(lease); });
}

base::Status<base::Error> EventStore::import_witness(const WitnessState& state) {
  return write([&](Tx& tx) -> base::Status<base::Error> {
    auto stored = tx.tx.witness();
    if (!stored) return stored.error();
    switch (advance_decision(*stored, state)) {
      case AdvanceDecision::kKeep:
        return {};
      case AdvanceDecision::kRefuse:
        return base::Error{"the witness row in " + describe() + " records seal " +
                           std::to_string((*stored)->counter) + " at event " +
                           std::to_string((*stored)->seq) + ": not this trail's history"};
      case AdvanceDecision::kWrite:
        break;
    }
    return tx.tx.put_witness(state);
  });
}

// --- Seals -----------------------------------------------------------------------------------

base::Result<Event> EventStore::seal(const std::string& run_id, const SealKey& key) {
  std::vector<std::shared_ptr<Witness>> witnesses = witnesses_;
  if (witnesses.empty()) {
    witnesses.push_back(
        std::make_shared<FileWitness>(default_witness_path(location_.text, key.path())));
  }
  Event e;
  e.kind = EventKind::kSealed;
  e.run_id = run_id;
  prepare(e);
  std::int64_t counter = 0;
  const bool own_witness = backend_->shared();
  auto ok = write([&](Tx& tx) -> base::Status<base::Error> {
    e.time_ms = 0;
    auto inserted = insert(tx, e, [&](Event& pending) -> base::Status<base::Error> {
      // In the chain transaction: no other sealer can move the head or the witness between
      // this check and the insert.
      for (const auto& w : witnesses) {
        auto stored = w->read();
        if (!stored) return stored.error();
        if (*stored) {
          if (auto extends = check_extends(tx, **stored, pending.seq - 1, w->describe());
              !extends) {
            return extends.error();
          }
        }
      }
      if (own_witness) {
        auto stored = tx.tx.witness();
        if (!stored) return stored.error();
        if (*stored) {
          if (auto extends =
                  check_extends(tx, **stored, pending.seq - 1, "the witness row in " + describe());
              !extends) {
            return extends.error();
          }
        }
      }
      auto previous = last_seal(tx);
      if (!previous) return previous.error();
      counter = previous->counter + 1;
      std::int64_t head_seq = pending.seq - 1;
      auto signature =
          key.sign(seal_message(run_id, counter, head_seq, pending.prev_hash, previous->hash));
      if (!signature) return signature.error();
      boost::json::object p;
      p["format"] = kSealFormat;
      p["algorithm"] = "Ed25519";
      p["counter"] = counter;
      p["head_seq"] = head_seq;
      p["head_hash"] = pending.prev_hash;
      p["prev_seal_seq"] = previous->seq;
      p["prev_seal_hash"] = previous->hash;
      p["public_key"] = key.public_key_hex();
      p["key_fingerprint"] = key.fingerprint();
      p["signature"] = *signature;
      pending.payload = boost::json::serialize(p);
      return {};
    });
    if (!inserted || !own_witness) return inserted;
    // The store's own witness moves with the seal, in the same transaction.
    return tx.tx.put_witness(
        WitnessState{counter, e.seq, e.hash, run_id, key.fingerprint(), e.time_ms});
  });
  if (!ok) return ok.error();
  WitnessState state{counter, e.seq, e.hash, run_id, key.fingerprint(), e.time_ms};
  for (const auto& w : witnesses) {
    if (auto advanced = w->advance(state); !advanced) {
      return base::Error{"sealed run " + run_id + " at event " + std::to_string(e.seq) + ", but " +
                         w->describe() + " was not updated: " + advanced.error().message};
    }
  }
  return e;
}

base::Result<EventStore::SealRef> EventStore::last_seal(Tx& tx) const {
  // Seals are rare and the last one is near the end: the backwards read stops early.
  EventFilter f;
  f.kinds = {EventKind::kSealed};
  f.newest_first = true;
  f.limit = 1;
  auto last = tx.tx.select(f);
  if (!last) return last.error();
  if (last->empty()) return SealRef{0, 0, std::string(kGenesisHash)};
  const Event& s = last->front();
  SealRef ref{0, s.seq, s.hash};
  boost::system::error_code ec;
  auto v = boost::json::parse(s.payload, ec);
  const boost::json::value* c =
      !ec && v.is_object() ? v.as_object().if_contains("counter") : nullptr;
  if (c != nullptr && c->is_int64()) {
    ref.counter = c->as_int64();
    return ref;
  }
  // A version 1 seal carries no counter: number it by position, as verify does.
  f.newest_first = false;
  f.limit = 0;
  auto all = tx.tx.select(f);
  if (!all) return all.error();
  ref.counter = static_cast<std::int64_t>(all->size());
  return ref;
}

base::Status<base::Error> EventStore::check_extends(Tx& tx, const WitnessState& w,
                                                    std::int64_t head_seq,
                                                    const std::string& witness) const {
  auto refuse = [&](const std::string& what) {
    return base::Error{"refusing to seal: " + witness + " records seal " +
                       std::to_string(w.counter) + " at event " + std::to_string(w.seq) + ", but " +
                       what +
                       ": the trail was cut back or rewritten since (run `tcplan audit verify`; "
                       "if this is deliberately a new trail, move the old witness away)"};
  };
  if (w.seq > head_seq) {
    return refuse("the trail ends at event " + std::to_string(head_seq));
  }
  EventFilter f;
  f.seq = w.seq;
  auto found = tx.tx.select(f);
  if (!found) return found.error();
  if (found->empty()) return refuse("event " + std::to_string(w.seq) + " is missing");
  if (const std::string& hash = found->front().hash; hash != w.hash) {
    return refuse("event " + std::to_string(w.seq) + " now hashes to " + hash.substr(0, 16) + "…");
  }
  return {};
}

// --- Reads -----------------------------------------------------------------------------------

base::Result<std::vector<Event>> EventStore::run_events(const std::string& run_id) const {
  EventFilter f;
  f.run_id = run_id;
  return backend_->select(f);
}

base::Result<std::vector<Event>> EventStore::query(const EventQuery& q) const {
  EventFilter f;
  f.run_id = q.run_id;
  f.since_ms = q.since_ms;
  f.until_ms = q.until_ms;
  f.action = q.action;
  if (q.kind) f.kinds = {*q.kind};
  f.from_seq = q.from_seq;
  return backend_->select(f);
}

base::Status<base::Error> EventStore::scan(std::int64_t from_seq,
                                           const std::function<bool(const Event&)>& visit) const {
  return backend_->scan(from_seq, visit);
}

base::Result<std::vector<std::string>> EventStore::run_ids() const {
  return backend_->run_ids();
}

base::Result<std::int64_t> EventStore::last_seq() const {
  auto head = backend_->head();
  if (!head) return head.error();
  return head->seq;
}

std::int64_t EventStore::now_ms() const {
  if (options_.clock_ms) return options_.clock_ms();
  if (auto now = backend_->now_ms()) return *now;
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace tcplan::audit
