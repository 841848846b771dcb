#include "tests/testing/store.h"

#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "audit/location.h"
#include "audit/pg_schema.h"
#include "tests/testing/pg_server.h"
#include "tests/testing/process.h"

namespace tcplan::testing {

std::string pg_database(const std::string& uri) {
  const auto start = uri.find(":///") + 4;
  return uri.substr(start, uri.find('?') - start);
}

namespace {

// A database set up once per server as `audit init` sets one up; every fresh store is a copy
// of it (CREATE DATABASE ... TEMPLATE): a file copy instead of a schema set-up per test.
constexpr const char* kTemplate = "tcplan_store_template";

void init_store(const std::string& uri) {
  auto location = audit::parse_location(uri);
  if (!location) throw std::runtime_error(location.error().message);
  auto init = audit::init_postgres_store(*location, {});
  if (!init) throw std::runtime_error("audit init " + uri + ": " + init.error().message);
}

// Creates the template when the server has none yet. Test processes run in parallel against
// one server: each builds its own under a unique name and renames it into place; the loser
// of a race drops its copy and uses the winner's.
void ensure_template(const PgServer& server) {
  static std::once_flag once;
  std::call_once(once, [&] {
    const std::string exists =
        "SELECT count(*) FROM pg_database WHERE datname = '" + std::string(kTemplate) + "'";
    if (server.query(exists) == "1") return;
    const std::string uri = server.create_database("template_build");
    init_store(uri);
    const std::string built = pg_database(uri);
    try {
      server.execute("ALTER DATABASE " + built + " RENAME TO " + kTemplate);
    } catch (const std::exception&) {
      server.drop_database(built);
      if (server.query(exists) != "1") throw;
    }
  });
}

// Databases this process created, dropped when it exits: ctest runs each test in a process
// of its own, so the server keeps only the databases of the tests in progress.
std::mutex created_mutex;
std::vector<std::string> created;

void drop_created() {
  std::lock_guard<std::mutex> lock(created_mutex);
  for (const auto& name : created) {
    try {
      shared_pg_server().drop_database(name);
    } catch (const std::exception&) {
      // The server is gone: its directory goes with it at the end of the run.
    }
  }
  created.clear();
}

std::string create_database(const std::string& prefix, const std::string& from) {
  const PgServer& server = shared_pg_server();
  // Registered after shared_pg_server() was made, so it runs before a server this process
  // started itself is stopped at exit.
  static const bool drop_at_exit = std::atexit(drop_created) == 0;
  std::string uri = server.create_database(prefix, from);
  if (drop_at_exit) {
    std::lock_guard<std::mutex> lock(created_mutex);
    created.push_back(pg_database(uri));
  }
  return uri;
}

}  // namespace

bool testing_postgres() {
  const char* store = std::getenv("TCPLAN_TEST_STORE");
  return store != nullptr && std::string(store) == "postgresql";
}

std::string fresh_pg_store(const std::string& prefix) {
  // The test process's state directory (the one run_tcplan gives its children) for this process
  // too, and so for every child it starts: a team store's side files go there.
  static const bool state_set = ::setenv("XDG_STATE_HOME", test_state_home().c_str(), 1) == 0;
  if (!state_set) throw std::runtime_error("setenv XDG_STATE_HOME failed");
  ensure_template(shared_pg_server());
  return create_database(prefix, kTemplate);
}

std::filesystem::path test_store(const std::filesystem::path& dir) {
  if (testing_postgres()) return fresh_pg_store();
  return dir / "audit.db";
}

std::filesystem::path absent_store(const std::filesystem::path& dir) {
  if (testing_postgres()) return create_database("absent", "");
  return dir / "none.db";
}

std::string absent_store_message() {
  return testing_postgres() ? "has no tcplan tables" : "no audit DB at";
}

std::string printed_store(const std::filesystem::path& db) {
  auto location = audit::parse_location(db.string());
  if (!location) throw std::runtime_error(location.error().message);
  if (location->kind == audit::StoreLocation::Kind::kSqlite) return db.string();
  return "'" + location->display + "'";
}

void keep_payloads_uncompressed(const std::filesystem::path& db) {
  if (!audit::is_postgres_location(db.string())) return;
  shared_pg_server().execute("ALTER TABLE events ALTER COLUMN payload SET STORAGE EXTERNAL",
                             pg_database(db.string()));
}

std::vector<std::pair<std::string, std::string>> trail_bytes(
    const std::filesystem::path& db, std::filesystem::file_time_type since) {
  namespace fs = std::filesystem;
  std::vector<std::pair<std::string, std::string>> out;
  auto add = [&out](const fs::path& file) { out.emplace_back(file.string(), read_file(file)); };
  if (!audit::is_postgres_location(db.string())) {
    for (const char* suffix : {"", "-wal"}) {
      if (fs::exists(db.string() + suffix)) add(db.string() + suffix);
    }
    return out;
  }
  const PgServer& server = shared_pg_server();
  server.execute("CHECKPOINT");
  const std::string oid = server.query("SELECT oid FROM pg_database WHERE datname = '" +
                                       pg_database(db.string()) + "'");
  if (oid.empty()) throw std::runtime_error("no database for " + db.string());
  const fs::path data = server.dir() / "data";
  for (const auto& entry : fs::recursive_directory_iterator(data / "base" / oid)) {
    if (entry.is_regular_file()) add(entry.path());
  }
  for (const auto& entry : fs::directory_iterator(data / "pg_wal")) {
    if (entry.is_regular_file() && entry.last_write_time() >= since) add(entry.path());
  }
  add(server.dir() / "server.log");
  return out;
}

bool trail_written(const std::filesystem::path& db) {
  if (!audit::is_postgres_location(db.string())) return std::filesystem::exists(db);
  const std::string name = pg_database(db.string());
  const PgServer& server = shared_pg_server();
  return server.query("SELECT to_regclass('events') IS NOT NULL", name) == "t" &&
         server.query("SELECT count(*) > 0 FROM events", name) == "t";
}

}  // namespace tcplan::testing
