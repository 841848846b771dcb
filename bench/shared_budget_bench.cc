// The shared rate budget of a team store, measured (issue 10): two fleet plans of N clusters
// each (bench/fleet/inputs.h, the six-step barrier form, disjoint halves of one 2N-cluster
// fixture), started together as two `tcplan apply` processes with two working directories and
// host names, on one PostgreSQL store (a throw-away durable server: tests/testing/pg_server.h),
// against one in-process emulator with the documented rate limits on. Reports, per (step,
// action), the two runs' combined send rate over the documented limit, and the
// RequestLimitExceeded answers. `--local-trails` runs the same two plans each on its own SQLite
// trail (no shared budget) for comparison. Results: docs/benchmarks.md, "Team store".
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/catalog.h"
#include "audit/location.h"
#include "audit/pg_schema.h"
#include "bench/fleet/inputs.h"
#include "bench/fleet/trail_stats.h"
#include "bench/machine.h"
#include "emulator/local_emulator.h"
#include "tests/testing/pg_server.h"

extern char** environ;

namespace fs = std::filesystem;
using namespace tcplan;

namespace {

struct Options {
  int clusters = 100;  // per run
  double time_scale = 60;
  std::string tcplan = TCPLAN_BINARY;
  bool local_trails = false;
  bool keep = false;
};

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary);
  f << text;
  if (!f) throw std::runtime_error("cannot write " + p.string());
}

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// fork + exec in `cwd` with TCPLAN_HOST=`host`, stdout/stderr to files there.
pid_t spawn(const std::vector<std::string>& argv, const fs::path& cwd, const std::string& host) {
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::string out = (cwd / "apply.out").string(), err = (cwd / "apply.err").string();
  const std::string host_env = "TCPLAN_HOST=" + host;
  std::vector<char*> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string(*e).rfind("TCPLAN_HOST=", 0) != 0) env.push_back(*e);
  }
  env.push_back(const_cast<char*>(host_env.c_str()));
  env.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // Only async-signal-safe calls: the emulator's threads may hold locks in the parent.
    int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o >= 0 && e >= 0 && ::dup2(o, 1) >= 0 && ::dup2(e, 2) >= 0 && ::chdir(cwd.c_str()) == 0)
      ::execve(args[0], args.data(), env.data());
    ::_exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) throw std::runtime_error("waitpid failed");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string run_id_of(const fs::path& out) {
  const std::string text = read_file(out);
  const auto at = text.find("run: ");
  if (at == std::string::npos) throw std::runtime_error("no 'run: <id>' in " + out.string());
  return text.substr(at + 5, text.find('\n', at) - at - 5);
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--clusters") {
      o.clusters = std::stoi(value());
    } else if (a == "--time-scale") {
      o.time_scale = std::stod(value());
    } else if (a == "--tcplan") {
      o.tcplan = value();
    } else if (a == "--local-trails") {
      o.local_trails = true;
    } else if (a == "--keep") {
      o.keep = true;
    } else {
      throw std::runtime_error(
          "usage: bench_shared_budget [--clusters N (per run)] [--time-scale S] [--tcplan PATH] "
          "[--local-trails] [--keep]   (unknown argument " +
          a + ")");
    }
  }
  if (o.clusters < 2 || o.time_scale < 1) throw std::runtime_error("need N >= 2 and S >= 1");
  return o;
}

int run(const Options& o) {
  const fs::path dir = tcplan::bench::scratch_dir("tcplan-budget", true);
  const auto ids = bench::fleet_cluster_ids(2 * o.clusters);
  write_file(dir / "fixture.toml", bench::fleet_fixture(ids));
  const std::vector<std::string> hosts{"bastion-a", "bastion-b"};
  std::vector<fs::path> work;
  for (int r = 0; r < 2; ++r) {
    work.push_back(dir / hosts[r]);
    fs::create_directories(work.back());
    const std::vector<std::string> half(ids.begin() + r * o.clusters,
                                        ids.begin() + (r + 1) * o.clusters);
    write_file(work.back() / "plan.toml", bench::fleet_plan(half));
  }
  std::unique_ptr<testing::PgServer> pg;
  std::string shared_store;
  if (!o.local_trails) {
    pg = testing::PgServer::start(dir / "pg", testing::PgServerOptions{true});
    shared_store = pg->create_database("budget");
    auto loc = audit::parse_location(shared_store);
    if (!loc) throw std::runtime_error(loc.error().message);
    if (auto init = audit::init_postgres_store(*loc, {}); !init)
      throw std::runtime_error("audit init: " + init.error().message);
  }
  // The runs' side files (a team store's seal key and witness) in the bench's directory, never
  // the operator's state directory.
  ::setenv("XDG_STATE_HOME", (dir / "state").c_str(), 1);

  emulator::LocalEmulatorOptions eo;
  eo.time_scale = o.time_scale;
  eo.fixture_file = dir / "fixture.toml";
  eo.rate_limits = true;
  eo.seed = 1;
  auto emulator = emulator::LocalEmulator::start(eo);

  const std::string load_before = tcplan::bench::load_average();
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<pid_t> pids;
  std::vector<std::string> trails;
  for (int r = 0; r < 2; ++r) {
    trails.push_back(o.local_trails ? (work[r] / "audit.db").string() : shared_store);
    pids.push_back(spawn({o.tcplan, "--endpoint", emulator->url(), "--region", "ap-guangzhou",
                          "--time-scale", std::to_string(o.time_scale), "--audit-db", trails[r],
                          "apply", (work[r] / "plan.toml").string(), "--yes"},
                         work[r], hosts[r]));
  }
  std::vector<int> codes;
  for (pid_t pid : pids)
    codes.push_back(wait_exit(pid));
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::string load_after = tcplan::bench::load_average();
  emulator->stop();
  for (int r = 0; r < 2; ++r) {
    if (codes[r] != 0) {
      std::fprintf(stderr, "tcplan apply on %s exited %d; files in %s\n%s", hosts[r].c_str(),
                   codes[r], dir.c_str(), read_file(work[r] / "apply.err").c_str());
      return 1;
    }
  }

  // Both runs' sends per (step, action), merged: the combined rate the cloud saw.
  std::map<std::pair<std::string, std::string>, bench::SendGroup> combined;
  std::map<std::pair<std::string, std::string>, double> rate_of[2];
  std::int64_t throttled = 0, failed = 0;
  double makespan[2] = {0, 0};
  for (int r = 0; r < 2; ++r) {
    const auto stats = bench::read_trail(trails[r], run_id_of(work[r] / "apply.out"));
    throttled += stats.throttled;
    failed += stats.items_failed;
    makespan[r] = stats.makespan_ms / 1000.0;
    for (const auto& [key, g] : stats.sends) {
      auto& c = combined[key];
      c.count += g.count;
      c.first_ms = std::min(c.first_ms, g.first_ms);
      c.last_ms = std::max(c.last_ms, g.last_ms);
      rate_of[r][key] = g.per_second();
    }
  }

  std::printf(
      "two fleet runs of %d clusters each, barrier form, time scale %.0f, rate limits on, "
      "%s; load average %s -> %s\n",
      o.clusters, o.time_scale,
      o.local_trails ? "each on its own SQLite trail" : "one PostgreSQL team store",
      load_before.c_str(), load_after.c_str());
  std::printf("\n%-14s %-28s %6s %8s %8s %8s %8s %7s\n", "step", "action", "sends", "span s",
              "run a/s", "run b/s", "both/s", "/limit");
  double worst = 0;
  bool any = false;
  for (const auto& [key, g] : combined) {
    const auto* spec = api::Catalog::builtin().find("emr", key.second);
    const double ratio = spec ? g.per_second() / spec->rate_limit : 0;
    // Rate-bound: each run had all its N calls of the step ready together (the barrier form's
    // step streams); the batched status reads (no step) go when someone waits.
    if (g.count >= 2 * o.clusters && !key.first.empty()) {
      worst = any ? std::min(worst, ratio) : ratio;
      any = true;
    }
    std::printf("%-14s %-28s %6lld %8.2f %8.2f %8.2f %8.2f %7.3f\n", key.first.c_str(),
                key.second.c_str(), static_cast<long long>(g.count),
                (g.last_ms - g.first_ms) / 1000.0, rate_of[0][key], rate_of[1][key], g.per_second(),
                ratio);
  }
  std::printf("\nRequestLimitExceeded received (both runs): %lld   (target 0)\n",
              static_cast<long long>(throttled));
  std::printf("combined rate / limit, worst rate-bound stream: %.3f   (target >= 0.9)\n", worst);
  std::printf("items failed: %lld; makespans %.2f s and %.2f s; both processes %.2f s wall\n",
              static_cast<long long>(failed), makespan[0], makespan[1], wall);
  if (pg) pg->stop();
  if (o.keep) {
    std::printf("files kept in %s\n", dir.c_str());
  } else {
    fs::remove_all(dir);
  }
  return failed == 0 && any ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse_args(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_shared_budget: %s\n", e.what());
    return 2;
  }
}
