// A throw-away PostgreSQL 15 server for the tests: initdb into a scratch directory, serve on a
// Unix socket there (no TCP port to collide with), stop and delete it at the end. ctest starts
// one for the whole run (the `pg_server` fixture in tests/CMakeLists.txt); a test binary run
// by hand starts its own; the benchmarks start a durable one (bench/store_bench.cc).
// PostgreSQL refuses to run as root, so as root it runs as `nobody`.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

namespace tcplan::testing {

struct PgServerOptions {
  // Tests prove tcplan's own write-ahead rule, not the server's durability, so they run with
  // fsync and full_page_writes off. A benchmark of durable appends keeps the server's
  // defaults (both on, synchronous_commit on).
  bool durable = false;
};

class PgServer {
 public:
  // initdb + start in `dir` (created; must be empty or absent). A test server keeps its data in
  // /dev/shm when that has 2 GiB free (dir/data is a symlink there). Throws
  // std::runtime_error with what to install when the server binaries are missing, and with the
  // server's log when it does not start.
  static std::unique_ptr<PgServer> start(const std::filesystem::path& dir,
                                         const PgServerOptions& options = {});
  // Attaches to a server started by another process in `dir` (reads dir/uri).
  static std::unique_ptr<PgServer> attach(const std::filesystem::path& dir);
  ~PgServer();  // stops the server if this object started it
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  // Stops the server (immediate shutdown: its data is deleted) and waits until it has exited.
  void stop();
  // Leaves the server running when this object goes (the ctest fixture's start step).
  void release() { owned_ = false; }

  // URI of database `db` as the superuser: postgresql:///db?host=<socket dir>&user=tcplan
  std::string uri(const std::string& db = "postgres") const;
  // The same, connecting as `user` (the server trusts its socket).
  std::string uri_as(const std::string& db, const std::string& user) const;
  // Creates a database with a unique name starting with `prefix`, a copy of `from` (a
  // database nobody is connected to; empty: an empty database); returns its URI.
  std::string create_database(const std::string& prefix, const std::string& from = "") const;
  // Drops database `name`, ending any session still connected to it.
  void drop_database(const std::string& name) const;
  // Runs SQL on `db` as `user` (empty: the superuser); throws with the server's message and
  // SQLSTATE ("[42501]" for a privilege refused) on failure.
  void execute(const std::string& sql, const std::string& db = "postgres",
               const std::string& user = "") const;
  // The first column of the first row a query returns ("" when none); throws like execute().
  std::string query(const std::string& sql, const std::string& db = "postgres",
                    const std::string& user = "") const;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  explicit PgServer(std::filesystem::path dir, bool owned) : dir_(std::move(dir)), owned_(owned) {}
  std::filesystem::path dir_;
  bool owned_ = false;
  bool stopped_ = false;
};

// The server every test in this process shares: the ctest fixture's (TCPLAN_TEST_PG_DIR) when
// set, else one started on first use and stopped when the process exits.
const PgServer& shared_pg_server();

}  // namespace tcplan::testing
