// Throw-away PostgreSQL server (see pg_server.h).
#include "tests/testing/pg_server.h"

#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace tcplan::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kInstallHint =
    "the PostgreSQL 15 server is needed by these tests: run scripts/setup (it installs the "
    "Debian packages postgresql-15 and libpq-dev), or apt-get install postgresql-15";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

fs::path bin_dir() {
  // pg_config (libpq-dev) knows where the server binaries of this major version live.
  if (FILE* p = ::popen("pg_config --bindir 2>/dev/null", "r")) {
    char buf[512] = {0};
    std::string out;
    while (std::fgets(buf, sizeof buf, p))
      out += buf;
    ::pclose(p);
    while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
      out.pop_back();
    if (!out.empty() && fs::exists(fs::path(out) / "postgres")) return out;
  }
  fs::path debian = "/usr/lib/postgresql/15/bin";
  if (fs::exists(debian / "postgres")) return debian;
  throw std::runtime_error(std::string("no PostgreSQL server binaries found: ") + kInstallHint);
}

// PostgreSQL will not run as root: the server and its files belong to `nobody` then.
struct RunAs {
  bool drop = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

RunAs run_as() {
  RunAs r;
  if (::geteuid() != 0) return r;
  struct passwd* pw = ::getpwnam("nobody");
  if (pw == nullptr) throw std::runtime_error("running as root and there is no user 'nobody'");
  r.drop = true;
  r.uid = pw->pw_uid;
  r.gid = pw->pw_gid;
  return r;
}

// Runs argv (absolute program path first) to completion with output appended to `log`;
// returns the exit status.
int run(const std::vector<std::string>& argv, const fs::path& log) {
  RunAs as = run_as();
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // Privileges first, so the log belongs to the server's user and pg_ctl can append.
    if (as.drop &&
        (::setgroups(0, nullptr) != 0 || ::setgid(as.gid) != 0 || ::setuid(as.uid) != 0)) {
      ::_exit(126);
    }
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void chown_tree(const fs::path& dir) {
  RunAs as = run_as();
  if (!as.drop) return;
  if (::chown(dir.c_str(), as.uid, as.gid) != 0) {
    throw std::runtime_error("chown " + dir.string() + " failed");
  }
}

std::string unique_suffix() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%d_%d_%04x", static_cast<int>(::getpid()), counter++,
                static_cast<unsigned>(rd() & 0xffff));
  return buf;
}

// A test server's data in memory when /dev/shm has room: a whole test run leaves a few hundred
// MB of dirty pages (fsync is off), and deleting them from disk at the end waited 30 s on
// writeback. `dir/data` is then a symlink to it. Elsewhere (a small /dev/shm, as in a default
// container), on disk.
void place_data_in_memory(const fs::path& dir) {
  constexpr unsigned long long kNeeded = 2ULL << 30;
  struct statvfs st {};
  if (::statvfs("/dev/shm", &st) != 0 ||
      static_cast<unsigned long long>(st.f_bavail) * st.f_frsize < kNeeded) {
    return;
  }
  std::string pattern = "/dev/shm/" + dir.filename().string() + "-data-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) return;
  chown_tree(pattern);
  fs::create_directory_symlink(pattern, dir / "data");
}

// The data directory, also when it is a symlink to memory: both go.
void remove_server_files(const fs::path& dir) {
  std::error_code ec;
  if (fs::is_symlink(dir / "data", ec)) {
    const fs::path target = fs::read_symlink(dir / "data", ec);
    if (!ec) fs::remove_all(target, ec);
  }
  fs::remove_all(dir, ec);
}

}  // namespace

std::unique_ptr<PgServer> PgServer::start(const fs::path& dir, const PgServerOptions& options) {
  fs::path bin = bin_dir();
  fs::create_directories(dir);
  chown_tree(dir);
  if (!options.durable) place_data_in_memory(dir);
  fs::path log = dir / "server.log";
  int rc = run({(bin / "initdb").string(), "-D", (dir / "data").string(), "-U", "tcplan", "-A",
                "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"},
               log);
  if (rc != 0) {
    throw std::runtime_error("initdb failed (exit " + std::to_string(rc) + "):\n" + slurp(log));
  }
  // Tests: fsync off keeps the suite fast (PgServerOptions). Unix socket only, in the scratch
  // dir, so parallel runs never collide.
  std::string opts = "-k " + dir.string() +
                     " -c listen_addresses='' -c max_connections=300"
                     " -c unix_socket_permissions=0777";
  if (!options.durable) opts += " -c fsync=off -c full_page_writes=off";
  rc = run({(bin / "pg_ctl").string(), "-D", (dir / "data").string(), "-l", log.string(), "-w",
            "-t", "60", "-o", opts, "start"},
           dir / "pg_ctl.log");
  if (rc != 0) {
    throw std::runtime_error("starting PostgreSQL failed (exit " + std::to_string(rc) + "):\n" +
                             slurp(log) + slurp(dir / "pg_ctl.log"));
  }
  std::unique_ptr<PgServer> server(new PgServer(dir, true));
  std::ofstream(dir / "uri") << server->uri() << "\n";
  return server;
}

std::unique_ptr<PgServer> PgServer::attach(const fs::path& dir) {
  if (!fs::exists(dir / "uri")) {
    throw std::runtime_error("no test PostgreSQL server in " + dir.string());
  }
  return std::unique_ptr<PgServer>(new PgServer(dir, false));
}

PgServer::~PgServer() {
  if (owned_ && !stopped_) {
    try {
      stop();
    } catch (...) {
    }
  }
}

void PgServer::stop() {
  if (stopped_) return;
  stopped_ = true;
  fs::path bin = bin_dir();
  // Immediate: no shutdown checkpoint, since the data directory is deleted next.
  run({(bin / "pg_ctl").string(), "-D", (dir_ / "data").string(), "-m", "immediate", "-w", "-t",
       "60", "stop"},
      dir_ / "pg_ctl.log");
  remove_server_files(dir_);
}

std::string PgServer::uri(const std::string& db) const {
  return "postgresql:///" + db + "?host=" + dir_.string() + "&user=tcplan";
}

std::string PgServer::uri_as(const std::string& db, const std::string& user) const {
  return "postgresql:///" + db + "?host=" + dir_.string() + "&user=" + user;
}

namespace {

// A connection to `uri`, or throws.
PGconn* connect(const std::string& uri) {
  PGconn* conn = PQconnectdb(uri.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("connecting to the test PostgreSQL server: " + msg);
  }
  return conn;
}

// Runs `sql` on `conn`; the first cell of the result, or throws with the server's message.
std::string run_on(PGconn* conn, const std::string& sql) {
  PGresult* res = PQexec(conn, sql.c_str());
  auto status = PQresultStatus(res);
  std::string msg = PQresultErrorMessage(res);
  const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
  if (state != nullptr) msg = "[" + std::string(state) + "] " + msg;
  std::string cell;
  if (status == PGRES_TUPLES_OK && PQntuples(res) > 0 && PQnfields(res) > 0) {
    cell = PQgetvalue(res, 0, 0);
  }
  PQclear(res);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw std::runtime_error("SQL failed on the test server (" + sql + "): " + msg);
  }
  return cell;
}

// Runs `sql` on `uri` on a connection of its own, so no session setting outlives it.
std::string run_sql(const std::string& uri, const std::string& sql) {
  PGconn* conn = connect(uri);
  try {
    std::string cell = run_on(conn, sql);
    PQfinish(conn);
    return cell;
  } catch (...) {
    PQfinish(conn);
    throw;
  }
}

// The superuser's statements on the maintenance database (CREATE and DROP DATABASE, roles,
// catalog queries) share one connection per process and server: every test makes a database
// or more, and each connection costs the server a backend start. The table is never
// destroyed: the databases a process made are dropped through it at exit (store.cc), after
// static destructors may have run, and LeakSanitizer counts a connection a live table holds
// as reachable; the server ends the session when the process exits.
std::string run_maintenance(const std::string& uri, const std::string& sql) {
  static std::mutex mu;
  static auto* open = new std::map<std::string, PGconn*>;
  std::lock_guard<std::mutex> lock(mu);
  PGconn*& conn = (*open)[uri];
  if (conn != nullptr && PQstatus(conn) != CONNECTION_OK) {
    PQfinish(conn);
    conn = nullptr;
  }
  if (conn == nullptr) conn = connect(uri);
  return run_on(conn, sql);
}

}  // namespace

void PgServer::execute(const std::string& sql, const std::string& db,
                       const std::string& user) const {
  query(sql, db, user);
}

std::string PgServer::query(const std::string& sql, const std::string& db,
                            const std::string& user) const {
  if (db == "postgres" && user.empty()) return run_maintenance(uri(db), sql);
  return run_sql(user.empty() ? uri(db) : uri_as(db, user), sql);
}

std::string PgServer::create_database(const std::string& prefix, const std::string& from) const {
  std::string name = prefix + "_" + unique_suffix();
  execute("CREATE DATABASE " + name + (from.empty() ? "" : " TEMPLATE " + from));
  return uri(name);
}

void PgServer::drop_database(const std::string& name) const {
  execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
}

const PgServer& shared_pg_server() {
  static std::once_flag once;
  static std::unique_ptr<PgServer> server;
  std::call_once(once, [] {
    if (const char* dir = std::getenv("TCPLAN_TEST_PG_DIR"); dir && *dir) {
      server = PgServer::attach(dir);
      return;
    }
    char tmpl[] = "/tmp/tcplan-pg-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    server = PgServer::start(tmpl);
    // Stopped when the process exits (the unique_ptr's destructor runs at static teardown).
  });
  return *server;
}

}  // namespace tcplan::testing
