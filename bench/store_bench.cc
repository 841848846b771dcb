// Durable audit appends per second on both stores: SQLite and a PostgreSQL team store (a
// throw-away server started for the run with fsync on: tests/testing/pg_server.h, durable),
// with 1, 4 and 16 concurrent writers — threads sharing one EventStore, or processes with one
// each — and with and without the store's group commit. Every append returns only once its
// event is durable, as a request_sent must be before its request is sent. Each configuration
// then verifies the trail: one gapless chain holding exactly the events counted.
// Results and the command: docs/benchmarks.md, "Team store".
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "audit/event_store.h"
#include "audit/location.h"
#include "audit/pg_schema.h"
#include "audit/verify.h"
#include "bench/machine.h"
#include "tests/testing/pg_server.h"

namespace fs = std::filesystem;
using namespace tcplan;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  double seconds = 3;
  std::vector<int> writers{1, 4, 16};
  std::vector<std::string> stores{"sqlite", "postgresql"};
  std::vector<std::string> modes{"threads", "processes"};
  std::vector<bool> group_commit{true, false};
};

// What one writer (or all of them) did.
struct Tally {
  std::int64_t events = 0;
  std::int64_t transactions = 0;  // commits its store made (threads: the shared store's)
  std::int64_t latency_us = 0;    // summed over its appends
  std::int64_t max_latency_us = 0;
};

// A request_sent as the executor writes it (~700 bytes, like bench_audit's).
audit::Event request_event(int writer, std::int64_t i) {
  audit::Event e;
  e.kind = audit::EventKind::kRequestSent;
  e.run_id = "run-bench-writer-" + std::to_string(writer);
  e.step_id = "grow";
  e.item = "emr-fl" + std::to_string(100000 + i % 1000);
  e.attempt = 1;
  e.service = "emr";
  e.action = "ScaleOutInstance";
  e.version = "2019-01-03";
  e.region = "ap-guangzhou";
  e.endpoint = "https://emr.tencentcloudapi.com/";
  e.client_token = "run-bench-grow-" + std::to_string(writer) + "-" + std::to_string(i);
  e.payload =
      R"({"headers":{"Authorization":"TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2026-12-06/emr/tc3_request, SignedHeaders=content-type;host, Signature=[REDACTED]","X-TC-Action":"ScaleOutInstance"},"body":{"InstanceId":"emr-abcdefgh","TaskCount":2,"ClientToken":"run-bench-grow","TimeSpan":3600,"TimeUnit":"s","PayMode":0}})";
  return e;
}

// Appends until `deadline`, each append durable before the next: one writer's loop.
Tally write_until(audit::EventStore& store, int writer, Clock::time_point deadline) {
  Tally t;
  for (std::int64_t i = 0; Clock::now() < deadline; ++i) {
    const auto t0 = Clock::now();
    auto r = store.append(request_event(writer, i));
    if (!r) throw std::runtime_error("append: " + r.error().message);
    const auto us =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
    ++t.events;
    t.latency_us += us;
    t.max_latency_us = std::max<std::int64_t>(t.max_latency_us, us);
  }
  return t;
}

audit::StoreOptions store_options(bool group_commit) {
  audit::StoreOptions o;
  o.group_commit = group_commit;
  o.redactor = std::make_shared<base::Redactor>();
  return o;
}

std::unique_ptr<audit::EventStore> open_store(const std::string& where, bool group_commit) {
  auto store = audit::EventStore::open(where, store_options(group_commit));
  if (!store) throw std::runtime_error(where + ": " + store.error().message);
  return std::move(*store);
}

Tally run_threads(const std::string& where, int writers, bool group_commit, double seconds,
                  double& elapsed) {
  auto store = open_store(where, group_commit);
  std::vector<Tally> tallies(writers);
  std::vector<std::thread> threads;
  std::atomic<bool> go{false};
  const auto start = Clock::now() + std::chrono::milliseconds(50);
  const auto deadline =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      while (!go.load())
        std::this_thread::yield();
      tallies[w] = write_until(*store, w, deadline);
    });
  }
  std::this_thread::sleep_until(start);
  go.store(true);
  for (auto& t : threads)
    t.join();
  elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  Tally sum;
  for (const auto& t : tallies) {
    sum.events += t.events;
    sum.latency_us += t.latency_us;
    sum.max_latency_us = std::max(sum.max_latency_us, t.max_latency_us);
  }
  sum.transactions = store->commit_stats().transactions;
  return sum;
}

// Each writer a process with its own store (its own SQLite handle or PostgreSQL connection):
// only the database serialises them. They start together when the parent closes `go`.
Tally run_processes(const std::string& where, int writers, bool group_commit, double seconds,
                    double& elapsed) {
  int go[2], results[2];
  if (::pipe(go) != 0 || ::pipe(results) != 0) throw std::runtime_error("pipe failed");
  std::vector<pid_t> children;
  for (int w = 0; w < writers; ++w) {
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      // The parent is single-threaded here (no store open), so the child may allocate.
      ::close(go[1]);
      ::close(results[0]);
      int code = 0;
      try {
        auto store = open_store(where, group_commit);
        char c;
        while (::read(go[0], &c, 1) > 0) {
        }
        const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                 std::chrono::duration<double>(seconds));
        Tally t = write_until(*store, w, deadline);
        t.transactions = store->commit_stats().transactions;
        if (::write(results[1], &t, sizeof t) != static_cast<ssize_t>(sizeof t)) code = 1;
      } catch (const std::exception& e) {
        std::fprintf(stderr, "writer %d: %s\n", w, e.what());
        code = 1;
      }
      std::fflush(stderr);
      ::_exit(code);
    }
    children.push_back(pid);
  }
  ::close(go[0]);
  ::close(results[1]);
  // Every child opens its store before the clock starts.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto start = Clock::now();
  ::close(go[1]);
  Tally sum;
  for (int w = 0; w < writers; ++w) {
    Tally t;
    if (::read(results[0], &t, sizeof t) != static_cast<ssize_t>(sizeof t)) {
      throw std::runtime_error("a writer process failed");
    }
    sum.events += t.events;
    sum.transactions += t.transactions;
    sum.latency_us += t.latency_us;
    sum.max_latency_us = std::max(sum.max_latency_us, t.max_latency_us);
  }
  elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  ::close(results[0]);
  for (pid_t pid : children) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      throw std::runtime_error("a writer process failed");
  }
  return sum;
}

// One chain, gapless, holding exactly what the writers counted.
void check_trail(const std::string& where, std::int64_t events) {
  auto store = open_store(where, true);
  auto report = audit::verify_store(*store, {});
  if (!report) throw std::runtime_error("verify " + where + ": " + report.error().message);
  if (!report->intact() || report->events != events) {
    throw std::runtime_error("verify " + where + ": " + std::to_string(report->events) +
                             " events, " + (report->intact() ? "intact" : "NOT intact") +
                             "; the writers counted " + std::to_string(events));
  }
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream s(text);
  for (std::string part; std::getline(s, part, ',');)
    if (!part.empty()) out.push_back(part);
  return out;
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
    const std::string v = argv[++i];
    if (a == "--seconds") {
      o.seconds = std::stod(v);
    } else if (a == "--writers") {
      o.writers.clear();
      for (const auto& w : split(v))
        o.writers.push_back(std::stoi(w));
    } else if (a == "--stores") {
      o.stores = split(v);
    } else if (a == "--modes") {
      o.modes = split(v);
    } else if (a == "--group-commit") {
      o.group_commit.clear();
      for (const auto& g : split(v))
        o.group_commit.push_back(g == "on");
    } else {
      throw std::runtime_error(
          "usage: bench_store [--seconds S] [--writers 1,4,16] [--stores sqlite,postgresql] "
          "[--modes threads,processes] [--group-commit on,off]");
    }
  }
  return o;
}

int run(const Options& o) {
  const fs::path dir = bench::scratch_dir("tcplan-store-bench", true);
  std::unique_ptr<testing::PgServer> pg;
  if (std::find(o.stores.begin(), o.stores.end(), "postgresql") != o.stores.end()) {
    pg = testing::PgServer::start(dir / "pg", testing::PgServerOptions{true});
  }
  std::printf("durable appends, %.1f s per configuration; load average %s\n", o.seconds,
              bench::load_average().c_str());
  std::printf("%-10s %-9s %7s %6s %8s %8s %9s %9s %9s\n", "store", "writers", "writers", "group",
              "events", "commits", "events/s", "mean ms", "max ms");
  int n = 0;
  for (const auto& kind : o.stores) {
    for (const auto& mode : o.modes) {
      for (int writers : o.writers) {
        for (bool group : o.group_commit) {
          std::string where;
          if (kind == "postgresql") {
            where = pg->create_database("bench");
            auto loc = audit::parse_location(where);
            if (!loc) throw std::runtime_error(loc.error().message);
            if (auto init = audit::init_postgres_store(*loc, {}); !init) {
              throw std::runtime_error("audit init: " + init.error().message);
            }
          } else {
            where = (dir / ("trail-" + std::to_string(++n) + ".db")).string();
            open_store(where, true);  // created before the clock starts
          }
          double elapsed = 0;
          const Tally t = mode == "threads"
                              ? run_threads(where, writers, group, o.seconds, elapsed)
                              : run_processes(where, writers, group, o.seconds, elapsed);
          check_trail(where, t.events);
          std::printf("%-10s %-9s %7d %6s %8lld %8lld %9.0f %9.2f %9.1f\n", kind.c_str(),
                      mode.c_str(), writers, group ? "on" : "off", static_cast<long long>(t.events),
                      static_cast<long long>(t.transactions), t.events / elapsed,
                      t.latency_us / 1000.0 / std::max<std::int64_t>(1, t.events),
                      t.max_latency_us / 1000.0);
          std::fflush(stdout);
        }
      }
    }
  }
  std::printf("load average at the end %s\n", bench::load_average().c_str());
  if (pg) pg->stop();
  fs::remove_all(dir);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse_args(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_store: %s\n", e.what());
    return 2;
  }
}
