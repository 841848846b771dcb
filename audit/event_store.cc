// SQLite store of the audit trail (contract in event_store.h).
#include "audit/event_store.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "audit/chain.h"
#include "audit/event_store_sql.h"

namespace tcplan::audit {
namespace {

using sql::bind_text;
using sql::db_error;
using sql::kColumns;
using sql::read_row;
using sql::Stmt;
using sql::text_col;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  time_ms INTEGER NOT NULL,
  kind TEXT NOT NULL,
  run_id TEXT NOT NULL,
  step_id TEXT NOT NULL,
  item TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  service TEXT NOT NULL,
  action TEXT NOT NULL,
  version TEXT NOT NULL,
  region TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  request_id TEXT NOT NULL,
  client_token TEXT NOT NULL,
  error_code TEXT NOT NULL,
  http_status INTEGER NOT NULL,
  latency_us INTEGER NOT NULL,
  operator_user TEXT NOT NULL,
  operator_host TEXT NOT NULL,
  tool_version TEXT NOT NULL,
  payload TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_run ON events (run_id, seq);
CREATE INDEX IF NOT EXISTS events_item ON events (item, kind);
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE rejected'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE rejected'); END;
CREATE TRIGGER IF NOT EXISTS meta_no_update BEFORE UPDATE ON meta
  BEGIN SELECT RAISE(ABORT, 'audit meta is write-once: UPDATE rejected'); END;
CREATE TRIGGER IF NOT EXISTS meta_no_delete BEFORE DELETE ON meta
  BEGIN SELECT RAISE(ABORT, 'audit meta is write-once: DELETE rejected'); END;
-- Who drives each run now (event_store.h, "Leases"). Not part of the chain: the heartbeat
-- changes every few seconds; every change of owner is also a chained lease_* event.
CREATE TABLE IF NOT EXISTS leases (
  run_id TEXT PRIMARY KEY,
  epoch INTEGER NOT NULL,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  started TEXT NOT NULL,
  acquired_ms INTEGER NOT NULL,
  heartbeat_ms INTEGER NOT NULL,
  released INTEGER NOT NULL
);
)sql";

std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Event sql::read_row(sqlite3_stmt* s) {
  Event e;
  e.seq = sqlite3_column_int64(s, 0);
  e.time_ms = sqlite3_column_int64(s, 1);
  // An unknown kind name (a tampered row) maps to a kind whose name differs, so the
  // recomputed hash cannot match; verify reports it by seq.
  auto kind = kind_from_name(text_col(s, 2));
  e.kind = kind.value_or(EventKind::kTrailRead);
  if (!kind) e.payload = "";
  e.run_id = text_col(s, 3);
  e.step_id = text_col(s, 4);
  e.item = text_col(s, 5);
  e.attempt = sqlite3_column_int64(s, 6);
  e.service = text_col(s, 7);
  e.action = text_col(s, 8);
  e.version = text_col(s, 9);
  e.region = text_col(s, 10);
  e.endpoint = text_col(s, 11);
  e.request_id = text_col(s, 12);
  e.client_token = text_col(s, 13);
  e.error_code = text_col(s, 14);
  e.http_status = sqlite3_column_int64(s, 15);
  e.latency_us = sqlite3_column_int64(s, 16);
  e.operator_user = text_col(s, 17);
  e.operator_host = text_col(s, 18);
  e.tool_version = text_col(s, 19);
  if (kind) e.payload = text_col(s, 20);
  e.prev_hash = text_col(s, 21);
  e.hash = text_col(s, 22);
  return e;
}

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

std::string current_host() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

EventStore::EventStore(std::filesystem::path path, sqlite3* db, StoreOptions options)
    : path_(std::move(path)), db_(db), options_(std::move(options)) {
  if (!options_.clock_ms) options_.clock_ms = system_now_ms;
  if (!options_.redactor) {
    options_.redactor =
        std::shared_ptr<base::Redactor>(&base::process_redactor(), [](base::Redactor*) {});
  }
}

EventStore::~EventStore() {
  sqlite3_close_v2(db_);
}

base::Result<std::unique_ptr<EventStore>> EventStore::open(const std::filesystem::path& path,
                                                           StoreOptions options) {
  // Create the file ourselves so it is 0600 whatever the umask; SQLite gives the -wal and
  // -shm files the same permissions as the database file.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return base::Error{"opening audit DB " + path.string() + ": " + std::strerror(errno)};
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size == 0) ::fchmod(fd, 0600);
  ::close(fd);

  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    base::Error e{"opening audit DB " + path.string() + ": " +
                  (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc))};
    sqlite3_close_v2(db);
    return e;
  }
  std::unique_ptr<EventStore> store(new EventStore(path, db, std::move(options)));
  sqlite3_busy_timeout(db, static_cast<int>(store->options_.busy_timeout.count()));

  // Durability. WAL with synchronous=FULL: every commit fsyncs the WAL before append()
  // returns. So a committed event survives both a process crash (it is in the WAL file)
  // and a power loss or kernel crash (the WAL is on stable storage). With NORMAL, WAL
  // syncs only at checkpoints: a process crash still loses nothing, but a power loss can
  // drop the last few committed events — e.g. a request row, after which resume would not
  // know a request was sent and could duplicate a resource. That is the one failure this
  // trail exists to prevent, so we pay one fsync per event (docs/benchmarks.md has the cost).
  const char* pragmas =
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF;";
  if (sqlite3_exec(db, pragmas, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return db_error(db, "configuring audit DB " + path.string());
  }
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return db_error(db, "locking audit DB " + path.string());
  }
  std::string setup =
      std::string(kSchema) + "INSERT OR IGNORE INTO meta VALUES ('schema_version', '" +
      std::to_string(kSchemaVersion) + "');" +
      "INSERT OR IGNORE INTO meta VALUES ('chain_version', '" + std::string(kChainVersion) + "');";
  if (sqlite3_exec(db, setup.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    base::Error e = db_error(db, "creating the audit schema in " + path.string());
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return e;
  }
  if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return db_error(db, "creating the audit schema in " + path.string());
  }
  Stmt s;
  sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key='schema_version'", -1, &s.s, nullptr);
  if (s.s != nullptr && sqlite3_step(s.s) == SQLITE_ROW &&
      text_col(s.s, 0) != std::to_string(kSchemaVersion)) {
    return base::Error{"audit DB " + path.string() + " has schema version " + text_col(s.s, 0) +
                       "; this tcplan reads version " + std::to_string(kSchemaVersion)};
  }
  return store;
}

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
  if (e.time_ms == 0) e.time_ms = options_.clock_ms();
  if (e.operator_user.empty()) e.operator_user = current_os_user();
  if (e.operator_host.empty()) e.operator_host = current_host();
  if (e.tool_version.empty()) e.tool_version = std::string("tcplan ") + TCPLAN_VERSION;
}

base::Status<base::Error> EventStore::in_transaction(
    const std::function<base::Status<base::Error>()>& body) {
  std::lock_guard<std::mutex> lock(mu_);
  // IMMEDIATE takes the write lock now, so reading the head and inserting after it cannot
  // interleave with another process doing the same: the chain stays linear.
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return db_error(db_, "audit append: taking the write lock on " + path_.string());
  }
  if (auto ok = body(); !ok) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return ok;
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    base::Error err = db_error(db_, "audit append: committing");
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return err;
  }
  return {};
}

base::Status<base::Error> EventStore::insert(
    Event& e, const std::function<base::Status<base::Error>(Event& pending)>& check) {
  {
    Stmt head;
    sqlite3_prepare_v2(db_, "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1", -1, &head.s,
                       nullptr);
    int rc = sqlite3_step(head.s);
    if (rc == SQLITE_ROW) {
      e.seq = sqlite3_column_int64(head.s, 0) + 1;
      e.prev_hash = text_col(head.s, 1);
    } else if (rc == SQLITE_DONE) {
      e.seq = 1;
      e.prev_hash = std::string(kGenesisHash);
    } else {
      return db_error(db_, "audit append: reading the chain head");
    }
  }
  if (check) {
    // What `check` writes (seal and lock payloads) is built here from no user input, so it
    // is not redacted again: a seal's "public_key" must survive the key-name rule.
    if (auto ok = check(e); !ok) return ok;
  }
  e.hash = chain_hash(e.prev_hash, e);

  Stmt ins;
  std::string sql = std::string("INSERT INTO events (") + kColumns +
                    ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &ins.s, nullptr) != SQLITE_OK) {
    return db_error(db_, "audit append: preparing insert");
  }
  sqlite3_bind_int64(ins.s, 1, e.seq);
  sqlite3_bind_int64(ins.s, 2, e.time_ms);
  bind_text(ins.s, 3, std::string(kind_name(e.kind)));
  bind_text(ins.s, 4, e.run_id);
  bind_text(ins.s, 5, e.step_id);
  bind_text(ins.s, 6, e.item);
  sqlite3_bind_int64(ins.s, 7, e.attempt);
  bind_text(ins.s, 8, e.service);
  bind_text(ins.s, 9, e.action);
  bind_text(ins.s, 10, e.version);
  bind_text(ins.s, 11, e.region);
  bind_text(ins.s, 12, e.endpoint);
  bind_text(ins.s, 13, e.request_id);
  bind_text(ins.s, 14, e.client_token);
  bind_text(ins.s, 15, e.error_code);
  sqlite3_bind_int64(ins.s, 16, e.http_status);
  sqlite3_bind_int64(ins.s, 17, e.latency_us);
  bind_text(ins.s, 18, e.operator_user);
  bind_text(ins.s, 19, e.operator_host);
  bind_text(ins.s, 20, e.tool_version);
  bind_text(ins.s, 21, e.payload);
  bind_text(ins.s, 22, e.prev_hash);
  bind_text(ins.s, 23, e.hash);
  if (sqlite3_step(ins.s) != SQLITE_DONE) {
    return db_error(db_, "audit append: inserting event " + std::to_string(e.seq));
  }
  return {};
}

base::Result<Event> EventStore::append_checked(
    Event e, const std::function<base::Status<base::Error>(Event& pending)>& check) {
  prepare(e);
  auto ok = in_transaction([&] { return insert(e, check); });
  if (!ok) return ok.error();
  return e;
}

base::Result<Event> EventStore::seal(const std::string& run_id, const SealKey& key) {
  std::vector<std::shared_ptr<Witness>> witnesses = witnesses_;
  if (witnesses.empty()) {
    witnesses.push_back(std::make_shared<FileWitness>(default_witness_path(path_, key.path())));
  }
  Event e;
  e.kind = EventKind::kSealed;
  e.run_id = run_id;
  std::int64_t counter = 0;
  auto sealed = append_checked(std::move(e), [&](Event& pending) -> base::Status<base::Error> {
    // Under the write lock: no other sealer can move the head or the witness between this
    // check and the insert.
    for (const auto& w : witnesses) {
      auto stored = w->read();
      if (!stored) return stored.error();
      if (*stored) {
        if (auto ok = check_extends(**stored, pending.seq - 1, *w); !ok) return ok.error();
      }
    }
    auto previous = last_seal();
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
  if (!sealed) return sealed;
  WitnessState state{counter, sealed->seq,       sealed->hash,
                     run_id,  key.fingerprint(), sealed->time_ms};
  for (const auto& w : witnesses) {
    if (auto ok = w->advance(state); !ok) {
      return base::Error{"sealed run " + run_id + " at event " + std::to_string(sealed->seq) +
                         ", but " + w->describe() + " was not updated: " + ok.error().message};
    }
  }
  return sealed;
}

base::Result<EventStore::SealRef> EventStore::last_seal() const {
  // Caller holds mu_ (inside append_checked). Seals are rare and the last one is near the
  // end, so the backwards scan stops early.
  Stmt s;
  sqlite3_prepare_v2(db_,
                     "SELECT seq, hash, payload FROM events WHERE kind = 'sealed' "
                     "ORDER BY seq DESC LIMIT 1",
                     -1, &s.s, nullptr);
  if (s.s == nullptr) return db_error(db_, "audit seal: finding the last seal");
  int rc = sqlite3_step(s.s);
  if (rc == SQLITE_DONE) return SealRef{0, 0, std::string(kGenesisHash)};
  if (rc != SQLITE_ROW) return db_error(db_, "audit seal: finding the last seal");
  SealRef ref{0, sqlite3_column_int64(s.s, 0), text_col(s.s, 1)};
  boost::system::error_code ec;
  auto v = boost::json::parse(text_col(s.s, 2), ec);
  const boost::json::value* c =
      !ec && v.is_object() ? v.as_object().if_contains("counter") : nullptr;
  if (c != nullptr && c->is_int64()) {
    ref.counter = c->as_int64();
    return ref;
  }
  // A version 1 seal carries no counter: number it by position, as verify does.
  Stmt n;
  sqlite3_prepare_v2(db_, "SELECT COUNT(*) FROM events WHERE kind = 'sealed'", -1, &n.s, nullptr);
  if (n.s == nullptr || sqlite3_step(n.s) != SQLITE_ROW) {
    return db_error(db_, "audit seal: counting seals");
  }
  ref.counter = sqlite3_column_int64(n.s, 0);
  return ref;
}

base::Status<base::Error> EventStore::check_extends(const WitnessState& w, std::int64_t head_seq,
                                                    const Witness& witness) const {
  // Caller holds mu_ (inside append_checked).
  auto refuse = [&](const std::string& what) {
    return base::Error{"refusing to seal: " + witness.describe() + " records seal " +
                       std::to_string(w.counter) + " at event " + std::to_string(w.seq) + ", but " +
                       what +
                       ": the trail was cut back or rewritten since (run `tcplan audit verify`; "
                       "if this is deliberately a new trail, move the old witness away)"};
  };
  if (w.seq > head_seq) {
    return refuse("the trail ends at event " + std::to_string(head_seq));
  }
  Stmt s;
  sqlite3_prepare_v2(db_, "SELECT hash FROM events WHERE seq = ?1", -1, &s.s, nullptr);
  if (s.s == nullptr) return db_error(db_, "audit seal: reading the witnessed event");
  sqlite3_bind_int64(s.s, 1, w.seq);
  if (sqlite3_step(s.s) != SQLITE_ROW) {
    return refuse("event " + std::to_string(w.seq) + " is missing");
  }
  if (std::string hash = text_col(s.s, 0); hash != w.hash) {
    return refuse("event " + std::to_string(w.seq) + " now hashes to " + hash.substr(0, 16) + "…");
  }
  return {};
}

base::Result<std::vector<Event>> EventStore::select(
    const std::string& where, const std::function<void(sqlite3_stmt*)>& bind) const {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt s;
  std::string sql = std::string("SELECT ") + kColumns + " FROM events " + where;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s.s, nullptr) != SQLITE_OK) {
    return db_error(db_, "audit query");
  }
  if (bind) bind(s.s);
  std::vector<Event> out;
  int rc;
  while ((rc = sqlite3_step(s.s)) == SQLITE_ROW)
    out.push_back(read_row(s.s));
  if (rc != SQLITE_DONE) return db_error(db_, "audit query");
  return out;
}

base::Result<std::vector<Event>> EventStore::run_events(const std::string& run_id) const {
  return select("WHERE run_id = ?1 ORDER BY seq",
                [&](sqlite3_stmt* s) { bind_text(s, 1, run_id); });
}

base::Result<std::vector<Event>> EventStore::query(const EventQuery& q) const {
  std::string where = "WHERE seq >= ?1";
  if (!q.run_id.empty()) where += " AND run_id = ?2";
  if (q.since_ms) where += " AND time_ms >= ?3";
  if (q.until_ms) where += " AND time_ms <= ?4";
  if (!q.action.empty()) where += " AND action = ?5";
  if (q.kind) where += " AND kind = ?6";
  where += " ORDER BY seq";
  return select(where, [&](sqlite3_stmt* s) {
    sqlite3_bind_int64(s, 1, q.from_seq);
    if (!q.run_id.empty()) bind_text(s, 2, q.run_id);
    if (q.since_ms) sqlite3_bind_int64(s, 3, *q.since_ms);
    if (q.until_ms) sqlite3_bind_int64(s, 4, *q.until_ms);
    if (!q.action.empty()) bind_text(s, 5, q.action);
    if (q.kind) bind_text(s, 6, std::string(kind_name(*q.kind)));
  });
}

base::Status<base::Error> EventStore::scan(std::int64_t from_seq,
                                           const std::function<bool(const Event&)>& visit) const {
  std::lock_guard<std::mutex> lock(mu_);
  // One read transaction: a consistent snapshot even while other processes append.
  Stmt s;
  std::string sql = std::string("SELECT ") + kColumns + " FROM events WHERE seq >= ?1 ORDER BY seq";
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s.s, nullptr) != SQLITE_OK) {
    return db_error(db_, "audit scan");
  }
  sqlite3_bind_int64(s.s, 1, from_seq);
  int rc;
  while ((rc = sqlite3_step(s.s)) == SQLITE_ROW) {
    if (!visit(read_row(s.s))) return {};
  }
  if (rc != SQLITE_DONE) return db_error(db_, "audit scan");
  return {};
}

base::Result<std::vector<std::string>> EventStore::run_ids() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt s;
  sqlite3_prepare_v2(db_,
                     "SELECT run_id, MIN(seq) AS first FROM events WHERE run_id != '' GROUP BY "
                     "run_id ORDER BY first",
                     -1, &s.s, nullptr);
  std::vector<std::string> out;
  while (s.s != nullptr && sqlite3_step(s.s) == SQLITE_ROW)
    out.push_back(text_col(s.s, 0));
  return out;
}

base::Result<std::int64_t> EventStore::last_seq() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt s;
  sqlite3_prepare_v2(db_, "SELECT COALESCE(MAX(seq), 0) FROM events", -1, &s.s, nullptr);
  if (s.s == nullptr || sqlite3_step(s.s) != SQLITE_ROW) return db_error(db_, "audit last seq");
  return static_cast<std::int64_t>(sqlite3_column_int64(s.s, 0));
}

}  // namespace tcplan::audit
