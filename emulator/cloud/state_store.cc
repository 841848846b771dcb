#include "emulator/cloud/state_store.h"

#include <boost/json.hpp>
#include <limits>
#include <stdexcept>

namespace tcplan::emulator::cloud {

namespace json = boost::json;

namespace {

const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS clusters (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (id TEXT PRIMARY KEY, cluster_id TEXT NOT NULL,
  cvm_id TEXT NOT NULL UNIQUE, seq INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS nodes_by_cluster ON nodes (cluster_id, seq);
CREATE TABLE IF NOT EXISTS flows (id INTEGER PRIMARY KEY, cluster_id TEXT NOT NULL,
  trace_id TEXT NOT NULL UNIQUE, settled INTEGER NOT NULL, effect_ms INTEGER NOT NULL,
  data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS flows_due ON flows (settled, effect_ms);
CREATE TABLE IF NOT EXISTS instances (id TEXT PRIMARY KEY, service TEXT NOT NULL,
  seq INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS client_tokens (token TEXT PRIMARY KEY, action TEXT NOT NULL,
  params_hash TEXT NOT NULL, response TEXT NOT NULL, created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS token_usage (token TEXT NOT NULL, action TEXT NOT NULL,
  calls INTEGER NOT NULL, resources INTEGER NOT NULL, PRIMARY KEY (token, action));
)sql";

// One prepared statement, finalized on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) fail("prepare");
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, std::string_view s) {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  // True while a row is available.
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail("step");
    return false;
  }
  void run() {
    while (step()) {
    }
  }
  std::string text(int col) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }

 private:
  [[noreturn]] void fail(const char* what) {
    throw std::runtime_error(std::string("emulator state: ") + what + ": " + sqlite3_errmsg(db_));
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

json::object parse_object(const std::string& text) {
  auto v = json::parse(text);
  if (!v.is_object()) throw std::runtime_error("emulator state: a row is not a JSON object");
  return std::move(v.as_object());
}

template <typename T, typename F>
std::vector<T> collect(Stmt& s, F from_json) {
  std::vector<T> out;
  while (s.step())
    out.push_back(from_json(parse_object(s.text(0))));
  return out;
}

template <typename T, typename F>
std::optional<T> first(Stmt& s, F from_json) {
  if (!s.step()) return std::nullopt;
  return from_json(parse_object(s.text(0)));
}

}  // namespace

StateStore::StateStore(const std::filesystem::path& file) {
  std::string name = file.empty() ? std::string(":memory:") : file.string();
  int rc =
      sqlite3_open_v2(name.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error("opening emulator state " + name + ": " + msg);
  }
  // Another process may hold the write lock for the length of one call; wait rather than fail.
  sqlite3_busy_timeout(db_, 10000);
  try {
    if (!file.empty()) {
      exec("PRAGMA journal_mode=WAL");
      // NORMAL in WAL mode: a committed call survives a crash of this process (the WAL is in
      // the OS page cache); a power loss may drop the last few calls. For an emulator that is
      // the right trade: the cloud it models is not the thing that must be durable.
      exec("PRAGMA synchronous=NORMAL");
    }
    exec("BEGIN IMMEDIATE");
    exec(kSchema);
    exec("COMMIT");
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

StateStore::~StateStore() {
  sqlite3_close(db_);
}

void StateStore::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    throw std::runtime_error(std::string("emulator state: ") + msg);
  }
}

void StateStore::begin() {
  exec("BEGIN IMMEDIATE");
}
void StateStore::commit() {
  exec("COMMIT");
}
void StateStore::rollback() {
  if (!sqlite3_get_autocommit(db_)) exec("ROLLBACK");
}
void StateStore::savepoint() {
  exec("SAVEPOINT action");
}
void StateStore::rollback_to_savepoint() {
  exec("ROLLBACK TO action");
}
void StateStore::release_savepoint() {
  exec("RELEASE action");
}

std::optional<std::string> StateStore::meta(std::string_view key) {
  Stmt s(db_, "SELECT value FROM meta WHERE key = ?");
  s.bind(1, key);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

void StateStore::set_meta(std::string_view key, std::string_view value) {
  Stmt s(db_,
         "INSERT INTO meta (key, value) VALUES (?, ?) "
         "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  s.bind(1, key).bind(2, value).run();
}

std::int64_t StateStore::next_counter(std::string_view key, std::int64_t first) {
  auto current = meta(key);
  std::int64_t value = current ? std::stoll(*current) : first;
  set_meta(key, std::to_string(value + 1));
  return value;
}

std::optional<Cluster> StateStore::cluster(std::string_view id) {
  Stmt s(db_, "SELECT data FROM clusters WHERE id = ?");
  s.bind(1, id);
  return first<Cluster>(s, cluster_from_json);
}

std::vector<Cluster> StateStore::clusters() {
  Stmt s(db_, "SELECT data FROM clusters ORDER BY seq");
  return collect<Cluster>(s, cluster_from_json);
}

void StateStore::put(const Cluster& c) {
  Stmt s(db_, "INSERT OR REPLACE INTO clusters (id, seq, data) VALUES (?, ?, ?)");
  s.bind(1, c.id).bind(2, c.seq).bind(3, json::serialize(to_json(c))).run();
}

std::vector<Node> StateStore::nodes(std::string_view cluster_id) {
  Stmt s(db_, "SELECT data FROM nodes WHERE cluster_id = ? ORDER BY seq");
  s.bind(1, cluster_id);
  return collect<Node>(s, node_from_json);
}

std::vector<Node> StateStore::all_nodes() {
  Stmt s(db_, "SELECT data FROM nodes ORDER BY seq");
  return collect<Node>(s, node_from_json);
}

std::optional<Node> StateStore::node_by_resource(std::string_view resource_id) {
  Stmt s(db_, "SELECT data FROM nodes WHERE id = ?");
  s.bind(1, resource_id);
  return first<Node>(s, node_from_json);
}

std::optional<Node> StateStore::node_by_cvm(std::string_view cvm_id) {
  Stmt s(db_, "SELECT data FROM nodes WHERE cvm_id = ?");
  s.bind(1, cvm_id);
  return first<Node>(s, node_from_json);
}

void StateStore::put(const Node& n) {
  Stmt s(db_,
         "INSERT OR REPLACE INTO nodes (id, cluster_id, cvm_id, seq, data) "
         "VALUES (?, ?, ?, ?, ?)");
  s.bind(1, n.resource_id)
      .bind(2, n.cluster_id)
      .bind(3, n.cvm_id)
      .bind(4, n.seq)
      .bind(5, json::serialize(to_json(n)))
      .run();
}

void StateStore::remove_node(std::string_view resource_id) {
  Stmt s(db_, "DELETE FROM nodes WHERE id = ?");
  s.bind(1, resource_id).run();
}

std::optional<Flow> StateStore::flow(std::int64_t id) {
  Stmt s(db_, "SELECT data FROM flows WHERE id = ?");
  s.bind(1, id);
  return first<Flow>(s, flow_from_json);
}

std::optional<Flow> StateStore::flow_by_trace(std::string_view trace_id) {
  Stmt s(db_, "SELECT data FROM flows WHERE trace_id = ?");
  s.bind(1, trace_id);
  return first<Flow>(s, flow_from_json);
}

std::vector<Flow> StateStore::flows() {
  Stmt s(db_, "SELECT data FROM flows ORDER BY id");
  return collect<Flow>(s, flow_from_json);
}

std::vector<Flow> StateStore::flows_due(std::int64_t now_ms) {
  Stmt s(db_, "SELECT data FROM flows WHERE settled = 0 AND effect_ms <= ? ORDER BY effect_ms, id");
  s.bind(1, now_ms);
  return collect<Flow>(s, flow_from_json);
}

void StateStore::put(const Flow& f, std::int64_t effect_ms) {
  Stmt s(db_,
         "INSERT OR REPLACE INTO flows (id, cluster_id, trace_id, settled, effect_ms, data) "
         "VALUES (?, ?, ?, ?, ?, ?)");
  s.bind(1, f.id)
      .bind(2, f.cluster_id)
      .bind(3, f.trace_id)
      .bind(4, std::int64_t{f.settled ? 1 : 0})
      .bind(5, effect_ms)
      .bind(6, json::serialize(to_json(f)))
      .run();
}

std::optional<Instance> StateStore::instance(std::string_view id) {
  Stmt s(db_, "SELECT data FROM instances WHERE id = ?");
  s.bind(1, id);
  return first<Instance>(s, instance_from_json);
}

std::vector<Instance> StateStore::instances(std::string_view service) {
  Stmt s(db_, "SELECT data FROM instances WHERE service = ? ORDER BY seq");
  s.bind(1, service);
  return collect<Instance>(s, instance_from_json);
}

void StateStore::put(const Instance& i) {
  Stmt s(db_, "INSERT OR REPLACE INTO instances (id, service, seq, data) VALUES (?, ?, ?, ?)");
  s.bind(1, i.id).bind(2, i.service).bind(3, i.seq).bind(4, json::serialize(to_json(i))).run();
}

std::optional<TokenRecord> StateStore::token(std::string_view token) {
  Stmt s(db_,
         "SELECT token, action, params_hash, response, created_ms FROM client_tokens "
         "WHERE token = ?");
  s.bind(1, token);
  if (!s.step()) return std::nullopt;
  return TokenRecord{s.text(0), s.text(1), s.text(2), s.text(3), s.int64(4)};
}

void StateStore::put(const TokenRecord& r) {
  Stmt s(db_,
         "INSERT OR REPLACE INTO client_tokens (token, action, params_hash, response, "
         "created_ms) VALUES (?, ?, ?, ?, ?)");
  s.bind(1, r.token).bind(2, r.action).bind(3, r.params_hash).bind(4, r.response);
  s.bind(5, r.created_ms).run();
}

void StateStore::forget_tokens_before(std::int64_t created_before_ms) {
  Stmt s(db_, "DELETE FROM client_tokens WHERE created_ms <= ?");
  s.bind(1, created_before_ms).run();
}

void StateStore::count_token_use(std::string_view token, std::string_view action,
                                 std::int64_t resources) {
  Stmt s(db_,
         "INSERT INTO token_usage (token, action, calls, resources) VALUES (?, ?, 1, ?) "
         "ON CONFLICT (token, action) DO UPDATE SET calls = calls + 1, "
         "resources = resources + excluded.resources");
  s.bind(1, token).bind(2, action).bind(3, resources).run();
}

std::vector<TokenUsage> StateStore::token_usage() {
  Stmt s(db_, "SELECT token, action, calls, resources FROM token_usage ORDER BY token, action");
  std::vector<TokenUsage> out;
  while (s.step())
    out.push_back({s.text(0), s.text(1), s.int64(2), s.int64(3)});
  return out;
}

}  // namespace tcplan::emulator::cloud
