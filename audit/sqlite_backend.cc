// SQLite backend of the audit trail (see sqlite_backend.h).
#include "audit/sqlite_backend.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "audit/backend_sql.h"
#include "audit/chain.h"

namespace tcplan::audit {
namespace {

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

struct Stmt {
  sqlite3_stmt* s = nullptr;
  Stmt() = default;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() { sqlite3_finalize(s); }
};

std::string text_col(sqlite3_stmt* s, int i) {
  const unsigned char* t = sqlite3_column_text(s, i);
  return t == nullptr ? std::string()
                      : std::string(reinterpret_cast<const char*>(t),
                                    static_cast<size_t>(sqlite3_column_bytes(s, i)));
}

void bind(sqlite3_stmt* s, int i, const sql::Param& p) {
  if (p.is_int) {
    sqlite3_bind_int64(s, i, p.i);
  } else {
    sqlite3_bind_text(s, i, p.s.data(), static_cast<int>(p.s.size()), SQLITE_TRANSIENT);
  }
}

base::Error db_error(sqlite3* db, const std::string& what) {
  return base::Error{what + ": " + sqlite3_errmsg(db)};
}

// One row of kColumns, typed (verify reads a million of them).
Event read_row(sqlite3_stmt* s) {
  Event e;
  e.seq = sqlite3_column_int64(s, 0);
  e.time_ms = sqlite3_column_int64(s, 1);
  // An unknown kind name (a tampered row) maps to a kind whose name differs, so the
  // recomputed hash cannot match; verify reports it by seq.
  auto kind = kind_from_name(text_col(s, 2));
  e.kind = kind.value_or(EventKind::kTrailRead);
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
  e.payload = kind ? text_col(s, 20) : std::string();
  e.prev_hash = text_col(s, 21);
  e.hash = text_col(s, 22);
  return e;
}

Lease read_lease(sqlite3_stmt* s) {
  Lease l;
  l.run_id = text_col(s, 0);
  l.epoch = sqlite3_column_int64(s, 1);
  l.owner.host = text_col(s, 2);
  l.owner.pid = sqlite3_column_int64(s, 3);
  l.owner.started = text_col(s, 4);
  l.acquired_ms = sqlite3_column_int64(s, 5);
  l.heartbeat_ms = sqlite3_column_int64(s, 6);
  l.released = sqlite3_column_int64(s, 7) != 0;
  return l;
}

class SqliteBackend;

class SqliteTx : public WriteTx {
 public:
  SqliteTx(const SqliteBackend& b, sqlite3* db, ChainHead head, std::int64_t now)
      : backend_(b), db_(db), head_(std::move(head)), now_(now) {}
  std::int64_t now_ms() override { return now_; }
  ChainHead head() override { return head_; }
  Status insert(const Event& e) override;
  base::Result<std::vector<Event>> select(const EventFilter& filter) override;
  base::Result<std::optional<Lease>> lease(const std::string& run_id) override;
  Status put_lease(const Lease& lease) override;
  base::Result<std::optional<WitnessState>> witness() override {
    return std::optional<WitnessState>();
  }
  Status put_witness(const WitnessState&) override {
    return base::Error{"a SQLite trail keeps its witness outside the file (--audit-witness)"};
  }
  Status savepoint() override { return exec("SAVEPOINT tcplan_job"); }
  Status release_savepoint() override { return exec("RELEASE SAVEPOINT tcplan_job"); }
  Status rollback_to_savepoint() override {
    auto ok = exec("ROLLBACK TO SAVEPOINT tcplan_job");
    if (!ok) return ok;
    return exec("RELEASE SAVEPOINT tcplan_job");
  }

 private:
  Status exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
      return db_error(db_, std::string("audit DB: ") + sql);
    }
    return {};
  }
  const SqliteBackend& backend_;
  sqlite3* db_;
  ChainHead head_;
  std::int64_t now_;
};

class SqliteBackend : public Backend {
 public:
  SqliteBackend(std::filesystem::path path, sqlite3* db) : path_(std::move(path)), db_(db) {}
  ~SqliteBackend() override { sqlite3_close_v2(db_); }

  std::string describe() const override { return path_.string(); }
  bool shared() const override { return false; }

  Status write(const std::function<Status(WriteTx&)>& body) override {
    std::lock_guard<std::mutex> lock(mu_);
    // IMMEDIATE takes the write lock now, so reading the head and inserting after it cannot
    // interleave with another process doing the same: the chain stays linear.
    if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
      return db_error(db_, "audit append: taking the write lock on " + path_.string());
    }
    auto head = read_head();
    if (!head) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return head.error();
    }
    SqliteTx tx(*this, db_, *head, system_now_ms());
    if (auto ok = body(tx); !ok) {
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

  base::Result<std::vector<Event>> select(const EventFilter& filter) const override {
    std::lock_guard<std::mutex> lock(mu_);
    return select_locked(filter);
  }

  // Caller holds mu_ (inside write()) or takes it (select()).
  base::Result<std::vector<Event>> select_locked(const EventFilter& filter) const {
    sql::Where w = sql::where_clause(filter, '?');
    Stmt s;
    std::string q = std::string("SELECT ") + sql::kColumns + " FROM events" + w.sql;
    if (sqlite3_prepare_v2(db_, q.c_str(), -1, &s.s, nullptr) != SQLITE_OK) {
      return db_error(db_, "audit query");
    }
    for (std::size_t i = 0; i < w.params.size(); ++i)
      bind(s.s, static_cast<int>(i + 1), w.params[i]);
    std::vector<Event> out;
    int rc;
    while ((rc = sqlite3_step(s.s)) == SQLITE_ROW)
      out.push_back(read_row(s.s));
    if (rc != SQLITE_DONE) return db_error(db_, "audit query");
    return out;
  }

  Status scan(std::int64_t from_seq,
              const std::function<bool(const Event&)>& visit) const override {
    std::lock_guard<std::mutex> lock(mu_);
    // One statement is one read transaction: a consistent snapshot while others append.
    Stmt s;
    std::string q =
        std::string("SELECT ") + sql::kColumns + " FROM events WHERE seq >= ?1 ORDER BY seq";
    if (sqlite3_prepare_v2(db_, q.c_str(), -1, &s.s, nullptr) != SQLITE_OK) {
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

  base::Result<std::vector<std::string>> run_ids() const override {
    std::lock_guard<std::mutex> lock(mu_);
    Stmt s;
    if (sqlite3_prepare_v2(db_,
                           "SELECT run_id, MIN(seq) AS first FROM events WHERE run_id != '' "
                           "GROUP BY run_id ORDER BY first",
                           -1, &s.s, nullptr) != SQLITE_OK) {
      return db_error(db_, "audit run ids");
    }
    std::vector<std::string> out;
    int rc;
    while ((rc = sqlite3_step(s.s)) == SQLITE_ROW)
      out.push_back(text_col(s.s, 0));
    if (rc != SQLITE_DONE) return db_error(db_, "audit run ids");
    return out;
  }

  base::Result<ChainHead> head() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return read_head();
  }

  base::Result<std::vector<Lease>> leases() const override {
    std::lock_guard<std::mutex> lock(mu_);
    Stmt s;
    std::string q = std::string("SELECT ") + sql::kLeaseColumns + " FROM leases ORDER BY run_id";
    if (sqlite3_prepare_v2(db_, q.c_str(), -1, &s.s, nullptr) != SQLITE_OK) {
      return db_error(db_, "audit leases");
    }
    std::vector<Lease> out;
    int rc;
    while ((rc = sqlite3_step(s.s)) == SQLITE_ROW)
      out.push_back(read_lease(s.s));
    if (rc != SQLITE_DONE) return db_error(db_, "audit leases");
    return out;
  }

  base::Result<std::optional<WitnessState>> witness() const override {
    return std::optional<WitnessState>();
  }
  base::Result<std::int64_t> now_ms() const override { return system_now_ms(); }

  base::Result<SlotGrant> take_slots(const std::string&, std::int64_t, int) override {
    return base::Error{"a SQLite trail has no shared rate budget (use a PostgreSQL store)"};
  }
  Status return_slots(const std::string&, std::int64_t, std::int64_t) override { return {}; }

  // Caller holds mu_.
  base::Result<std::optional<Lease>> lease_locked(const std::string& run_id) const {
    Stmt s;
    std::string q = std::string("SELECT ") + sql::kLeaseColumns + " FROM leases WHERE run_id = ?1";
    if (sqlite3_prepare_v2(db_, q.c_str(), -1, &s.s, nullptr) != SQLITE_OK) {
      return db_error(db_, "audit lease lookup");
    }
    sqlite3_bind_text(s.s, 1, run_id.data(), static_cast<int>(run_id.size()), SQLITE_TRANSIENT);
    int rc = sqlite3_step(s.s);
    if (rc == SQLITE_DONE) return std::optional<Lease>();
    if (rc != SQLITE_ROW) return db_error(db_, "audit lease lookup");
    return std::optional<Lease>(read_lease(s.s));
  }

 private:
  // Caller holds mu_.
  base::Result<ChainHead> read_head() const {
    Stmt s;
    sqlite3_prepare_v2(db_, "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1", -1, &s.s,
                       nullptr);
    int rc = sqlite3_step(s.s);
    if (rc == SQLITE_ROW) return ChainHead{sqlite3_column_int64(s.s, 0), text_col(s.s, 1)};
    if (rc == SQLITE_DONE) return ChainHead{0, std::string(kGenesisHash)};
    return db_error(db_, "audit DB " + path_.string() + ": reading the chain head");
  }

  std::filesystem::path path_;
  sqlite3* db_;
  mutable std::mutex mu_;  // one statement or transaction at a time on this connection
};

Status SqliteTx::insert(const Event& e) {
  Stmt ins;
  std::string q = std::string("INSERT INTO events (") + sql::kColumns +
                  ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
  if (sqlite3_prepare_v2(db_, q.c_str(), -1, &ins.s, nullptr) != SQLITE_OK) {
    return db_error(db_, "audit append: preparing insert");
  }
  auto params = sql::event_params(e);
  for (std::size_t i = 0; i < params.size(); ++i)
    bind(ins.s, static_cast<int>(i + 1), params[i]);
  if (sqlite3_step(ins.s) != SQLITE_DONE) {
    return db_error(db_, "audit append: inserting event " + std::to_string(e.seq));
  }
  return {};
}

base::Result<std::vector<Event>> SqliteTx::select(const EventFilter& filter) {
  return backend_.select_locked(filter);
}

base::Result<std::optional<Lease>> SqliteTx::lease(const std::string& run_id) {
  return backend_.lease_locked(run_id);
}

Status SqliteTx::put_lease(const Lease& l) {
  Stmt up;
  sqlite3_prepare_v2(db_,
                     "INSERT OR REPLACE INTO leases (run_id, epoch, host, pid, started, "
                     "acquired_ms, heartbeat_ms, released) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
                     -1, &up.s, nullptr);
  if (up.s == nullptr) return db_error(db_, "audit lease: preparing");
  sqlite3_bind_text(up.s, 1, l.run_id.data(), static_cast<int>(l.run_id.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(up.s, 2, l.epoch);
  sqlite3_bind_text(up.s, 3, l.owner.host.data(), static_cast<int>(l.owner.host.size()),
                    SQLITE_TRANSIENT);
  sqlite3_bind_int64(up.s, 4, l.owner.pid);
  sqlite3_bind_text(up.s, 5, l.owner.started.data(), static_cast<int>(l.owner.started.size()),
                    SQLITE_TRANSIENT);
  sqlite3_bind_int64(up.s, 6, l.acquired_ms);
  sqlite3_bind_int64(up.s, 7, l.heartbeat_ms);
  sqlite3_bind_int64(up.s, 8, l.released ? 1 : 0);
  if (sqlite3_step(up.s) != SQLITE_DONE) {
    return db_error(db_, "audit lease: writing the lease of " + l.run_id);
  }
  return {};
}

}  // namespace

base::Result<std::unique_ptr<Backend>> open_sqlite_backend(const std::filesystem::path& path,
                                                           const SqliteOpenOptions& options) {
  if (!options.read_only) {
    // Create the file ourselves so it is 0600 whatever the umask; SQLite gives the -wal and
    // -shm files the same permissions as the database file.
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
      return base::Error{"opening audit DB " + path.string() + ": " + std::strerror(errno)};
    }
    struct stat st {};
    if (::fstat(fd, &st) == 0 && st.st_size == 0) ::fchmod(fd, 0600);
    ::close(fd);
  }

  sqlite3* db = nullptr;
  const int flags =
      (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_FULLMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    base::Error e{"opening audit DB " + path.string() + ": " +
                  (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc))};
    sqlite3_close_v2(db);
    return e;
  }
  auto backend = std::make_unique<SqliteBackend>(path, db);
  sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));
  if (options.read_only) return std::unique_ptr<Backend>(std::move(backend));

  // Durability. WAL with synchronous=FULL: every commit fsyncs the WAL before append()
  // returns. So a committed event survives both a process crash (it is in the WAL file)
  // and a power loss or kernel crash (the WAL is on stable storage). With NORMAL, WAL
  // syncs only at checkpoints: a process crash still loses nothing, but a power loss can
  // drop the last few committed events — e.g. a request row, after which resume would not
  // know a request was sent and could duplicate a resource. That is the one failure this
  // trail exists to prevent, so we pay one fsync per commit (docs/benchmarks.md has the cost;
  // group commit in EventStore shares it between concurrent appends).
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
  return std::unique_ptr<Backend>(std::move(backend));
}

}  // namespace tcplan::audit
