// Durable audit appends through the executor's journal: events per second with group commit
// (whatever queued while the last commit synced goes in one transaction, one fsync) against
// one fsync per event (max_batch = 1), on the same workload: W workers, each doing what a step
// item does — post step_started, record request_sent (waits until durable, as a request must),
// post response_received, post step_finished. Results: docs/benchmarks.md, "Journal".
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "audit/event_store.h"
#include "executor/journal.h"

namespace fs = std::filesystem;
using namespace tcplan;

namespace {

struct Result {
  double seconds = 0;
  std::int64_t events = 0, commits = 0;
};

Result run(const fs::path& db, std::size_t max_batch, int workers, int items) {
  for (const char* suffix : {"", "-wal", "-shm"})
    fs::remove(db.string() + suffix);
  auto store = audit::EventStore::open(db);
  if (!store) throw std::runtime_error(store.error().message);
  Result r;
  {
    executor::Journal journal(**store, "run-bench-journal", executor::JournalOptions{max_batch});
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int w = 0; w < workers; ++w) {
      threads.emplace_back([&, w] {
        for (int i = w; i < items; i += workers) {
          executor::EventContext ctx;
          ctx.step_id = "grow";
          ctx.item = std::to_string(i);
          ctx.attempt = 1;
          journal.post(audit::EventKind::kStepStarted, ctx, {{"digest", "0123456789abcdef"}});
          audit::Event req;
          req.kind = audit::EventKind::kRequestSent;
          req.step_id = ctx.step_id;
          req.item = ctx.item;
          req.attempt = 1;
          req.service = "emr";
          req.action = "ScaleOutInstance";
          req.payload = R"({"body":{"InstanceId":"emr-fl000001","TaskCount":2}})";
          if (!journal.record(std::move(req))) throw std::runtime_error(journal.failure());
          audit::Event resp = req;
          resp.kind = audit::EventKind::kResponseReceived;
          resp.payload = R"({"body":{"Response":{"FlowId":10001}}})";
          journal.post(std::move(resp));
          journal.post(audit::EventKind::kStepFinished, ctx, {{"status", "succeeded"}});
        }
      });
    }
    for (auto& t : threads)
      t.join();
    if (!journal.flush()) throw std::runtime_error(journal.failure());
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.events = journal.committed();
    r.commits = journal.commits();
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    int workers = 16, items = 2000;
    for (int i = 1; i + 1 < argc; i += 2) {
      const std::string a = argv[i];
      if (a == "--workers") {
        workers = std::stoi(argv[i + 1]);
      } else if (a == "--items") {
        items = std::stoi(argv[i + 1]);
      } else {
        throw std::runtime_error("usage: bench_journal [--workers W] [--items N]");
      }
    }
    const fs::path dir =
        fs::temp_directory_path() / ("tcplan-journal-bench-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::printf("%d workers, %d items, 4 events each (request_sent waited for)\n", workers, items);
    std::printf("%-26s %8s %8s %10s %12s\n", "mode", "events", "commits", "seconds", "events/s");
    for (std::size_t max_batch : {std::size_t{1}, std::size_t{4096}}) {
      const Result r = run(dir / "journal.db", max_batch, workers, items);
      std::printf("%-26s %8lld %8lld %10.2f %12.0f\n",
                  max_batch == 1 ? "one fsync per event" : "group commit",
                  static_cast<long long>(r.events), static_cast<long long>(r.commits), r.seconds,
                  r.events / r.seconds);
    }
    fs::remove_all(dir);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_journal: %s\n", e.what());
    return 2;
  }
}
