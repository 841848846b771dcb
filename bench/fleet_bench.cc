// End-to-end executor benchmark: the real `tcplan apply` runs a 200-cluster fleet plan against
// an in-process emulator with rate limits on; reports send rate / limit, makespan / lower bound
// and tcplan's peak RSS. Results and the derivation: docs/benchmarks.md "Executor".
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "api/catalog.h"
#include "bench/fleet/inputs.h"
#include "bench/fleet/lower_bound.h"
#include "bench/fleet/trail_stats.h"
#include "bench/machine.h"
#include "emulator/local_emulator.h"

namespace fs = std::filesystem;

namespace {

struct Options {
  int clusters = 200;
  double time_scale = 60;
  std::string tcplan = TCPLAN_BINARY;
  std::string restart_poll = "2m";  // the restart's documented duration
  bool keep = false;
  bool pipelined = false;  // the [[groups]] form of the plan, not six for_each barriers
};

struct ChildRun {
  int exit_code = -1;
  double wall_s = 0;
  long max_rss_kb = 0;
  double user_s = 0, sys_s = 0;
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

// fork + exec, stdout/stderr to files; wait4 gives the child's own peak RSS and CPU time.
ChildRun run_child(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err) {
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec: the emulator's threads may hold
    // locks (malloc, stdio) that no longer have an owner in the child.
    int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o >= 0 && e >= 0 && dup2(o, 1) >= 0 && dup2(e, 2) >= 0) execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  rusage ru{};
  if (wait4(pid, &status, 0, &ru) != pid) throw std::runtime_error("wait4 failed");
  ChildRun r;
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.max_rss_kb = ru.ru_maxrss;
  r.user_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
  r.sys_s = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  return r;
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
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
    } else if (a == "--restart-poll") {
      o.restart_poll = value();
    } else if (a == "--keep") {
      o.keep = true;
    } else if (a == "--pipelined") {
      o.pipelined = true;
    } else {
      throw std::runtime_error(
          "usage: bench_fleet [--clusters N] [--time-scale S] "
          "[--tcplan PATH] [--restart-poll DURATION] [--pipelined] [--keep]   (unknown argument " +
          a + ")");
    }
  }
  if (o.clusters < 2 || o.time_scale < 1) throw std::runtime_error("need N >= 2 and S >= 1");
  return o;
}

int run(const Options& o) {
  const fs::path dir = tcplan::bench::scratch_dir("tcplan-fleet", false);
  const auto ids = tcplan::bench::fleet_cluster_ids(o.clusters);
  write_file(dir / "fixture.toml", tcplan::bench::fleet_fixture(ids));
  write_file(dir / "plan.toml", o.pipelined ? tcplan::bench::fleet_pipelined_plan(ids)
                                            : tcplan::bench::fleet_plan(ids, o.restart_poll));

  tcplan::emulator::LocalEmulatorOptions eo;
  eo.time_scale = o.time_scale;
  eo.fixture_file = dir / "fixture.toml";
  eo.rate_limits = true;  // the documented per-action limits, as the cloud enforces them
  eo.seed = 1;
  auto emulator = tcplan::emulator::LocalEmulator::start(eo);

  const std::string scale = std::to_string(o.time_scale);
  const std::string load_before = tcplan::bench::load_average();
  ChildRun child = run_child(
      {o.tcplan, "--endpoint", emulator->url(), "--region", "ap-guangzhou", "--time-scale", scale,
       "--audit-db", (dir / "audit.db").string(), "apply", (dir / "plan.toml").string(), "--yes"},
      dir / "apply.out", dir / "apply.err");
  const std::string load_after = tcplan::bench::load_average();
  emulator->stop();

  const std::string out = read_file(dir / "apply.out");
  std::printf("%s", out.c_str());
  if (child.exit_code != 0) {
    std::fprintf(stderr, "tcplan apply exited %d; its files are in %s\n%s", child.exit_code,
                 dir.c_str(), read_file(dir / "apply.err").c_str());
    return 1;
  }
  // tcplan prints "run: <id>" first (a wrapper such as heaptrack may print before it).
  const auto at = out.find("run: ");
  if (at == std::string::npos) throw std::runtime_error("no 'run: <id>' line in tcplan's output");
  const std::string run_id = out.substr(at + 5, out.find('\n', at) - at - 5);
  const auto stats = tcplan::bench::read_trail(dir / "audit.db", run_id);
  const auto bound = o.pipelined
                         ? tcplan::bench::fleet_pipeline_lower_bound(o.clusters, o.time_scale)
                         : tcplan::bench::fleet_batched_lower_bound(o.clusters, o.time_scale);
  const double target = o.pipelined ? 1.10 : 1.05;

  std::printf(
      "\nfleet: %d clusters, %s form, time scale %.0f, rate limits on; load average %s -> %s\n",
      o.clusters, o.pipelined ? "pipelined" : "barrier", o.time_scale, load_before.c_str(),
      load_after.c_str());
  std::printf("\n%-14s %-28s %6s %8s %8s %7s\n", "step", "action", "sends", "span s", "per s",
              "/limit");
  double worst_ratio = 0;
  bool any_group = false;
  for (const auto& [key, g] : stats.sends) {
    const auto* spec = tcplan::api::Catalog::builtin().find("emr", key.second);
    const double ratio = spec ? g.per_second() / spec->rate_limit : 0;
    // Only streams where all N calls were ready together are rate-bound: the limit, not the
    // work, set their pace. In the barrier form that is every step's stream of N; in the
    // pipelined form only the first step's (the later ones go as fast as items arrive). The
    // batched status reads (no step) never are: they go when someone waits.
    const bool rate_bound =
        g.count >= o.clusters && !key.first.empty() && (!o.pipelined || key.first == "grow");
    if (rate_bound) {
      worst_ratio = any_group ? std::min(worst_ratio, ratio) : ratio;
      any_group = true;
    }
    std::printf("%-14s %-28s %6lld %8.2f %8.2f %7.3f\n", key.first.c_str(), key.second.c_str(),
                static_cast<long long>(g.count), (g.last_ms - g.first_ms) / 1000.0, g.per_second(),
                ratio);
  }
  std::printf("\nlower bound (documented rates, flow durations / %.0f):\n", o.time_scale);
  for (const auto& t : bound.terms)
    std::printf("  %-14s %7.2f s  %s\n", t.step.c_str(), t.seconds, t.why.c_str());
  const double makespan = stats.makespan_ms / 1000.0;
  std::printf("  %-14s %7.2f s\n", "total", bound.seconds);
  std::printf("\nitems: %lld succeeded, %lld failed; retries %lld; transport errors %lld\n",
              static_cast<long long>(stats.items_succeeded),
              static_cast<long long>(stats.items_failed), static_cast<long long>(stats.retries),
              static_cast<long long>(stats.transport_errors));
  std::printf("RequestLimitExceeded received:  %lld   (target 0)\n",
              static_cast<long long>(stats.throttled));
  std::printf("achieved rate / limit (worst rate-bound stream): %.3f   (target >= 0.95)\n",
              worst_ratio);
  std::printf("makespan (first step_started to last step_finished): %.2f s\n", makespan);
  std::printf("makespan / lower bound:          %.3f   (target <= %.2f)\n",
              makespan / bound.seconds, target);
  std::printf("tcplan process: %.2f s wall, %.2f s user, %.2f s sys\n", child.wall_s, child.user_s,
              child.sys_s);
  std::printf("tcplan peak RSS:                 %.1f MB   (target < 100 MB)\n",
              child.max_rss_kb / 1024.0);

  if (o.keep) {
    std::printf("\nfiles kept in %s\n", dir.c_str());
  } else {
    fs::remove_all(dir);
  }
  return stats.items_failed == 0 && any_group ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse_args(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_fleet: %s\n", e.what());
    return 2;
  }
}
