// Audit trail throughput: events appended per second at the chosen durability (WAL +
// synchronous=FULL, one fsync per event), and `audit verify` over 1,000,000 events.
// Results and how to reproduce them: docs/benchmarks.md, section "Audit trail".
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "audit/chain.h"
#include "audit/event_store.h"
#include "audit/verify.h"

namespace {

using namespace tcplan::audit;

std::filesystem::path scratch(const std::string& name) {
  auto dir =
      std::filesystem::temp_directory_path() / ("tcplan-audit-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = dir / name;
  for (const char* suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(path.string() + suffix);
  return path;
}

Event typical_event(std::int64_t i) {
  Event e;
  e.kind = i % 2 == 0 ? EventKind::kRequestSent : EventKind::kResponseReceived;
  e.run_id = "run-20240501-120000-abcd";
  e.step_id = "scale-out-" + std::to_string(i % 7);
  e.attempt = 1;
  e.service = "emr";
  e.action = "ScaleOutInstance";
  e.version = "2019-01-03";
  e.region = "ap-guangzhou";
  e.endpoint = "https://emr.tencentcloudapi.com/";
  e.client_token = "run-20240501-scale-out-5f2a9c";
  e.request_id = "6f1d7a2e-1b9c-4c6f-9a51-0d1e2f3a4b5c";
  e.http_status = 200;
  e.latency_us = 41250;
  e.payload =
      R"({"headers":{"Authorization":"TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2024-05-01/emr/tc3_request, SignedHeaders=content-type;host, Signature=[REDACTED]","X-TC-Action":"ScaleOutInstance"},"body":{"InstanceId":"emr-abcdefgh","NodeCount":2,"ClientToken":"run-20240501-scale-out-5f2a9c","TimeSpan":3600,"TimeUnit":"s","PayMode":0}})";
  return e;
}

void BM_AppendDurable(benchmark::State& state) {
  auto path = scratch("append.db");
  auto store = EventStore::open(path);
  if (!store) {
    state.SkipWithError(store.error().message.c_str());
    return;
  }
  std::int64_t i = 0;
  for (auto _ : state) {
    auto e = (*store)->append(typical_event(i++));
    if (!e) state.SkipWithError(e.error().message.c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AppendDurable)->Unit(benchmark::kMicrosecond)->UseRealTime()->MinTime(3.0);

// Builds the 1M-event trail directly (one transaction, same chain format) rather than through
// a million fsyncs, then times what `audit verify` does: scan + rehash + seq/seal checks.
void BM_Verify(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  auto path = scratch("verify.db");
  {
    auto store = EventStore::open(path);
    if (!store) {
      state.SkipWithError(store.error().message.c_str());
      return;
    }
  }
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  sqlite3_stmt* ins = nullptr;
  sqlite3_prepare_v2(db,
                     "INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                     -1, &ins, nullptr);
  std::string prev(kGenesisHash);
  for (std::int64_t seq = 1; seq <= n; ++seq) {
    Event e = typical_event(seq);
    e.seq = seq;
    e.time_ms = 1714564800000 + seq;
    e.operator_user = "operator";
    e.operator_host = "host";
    e.tool_version = "tcplan 0.1.0";
    e.prev_hash = prev;
    e.hash = chain_hash(prev, e);
    prev = e.hash;
    std::string kind(kind_name(e.kind));
    const std::string* text[] = {&kind,       &e.run_id,     &e.step_id,      &e.item,
                                 &e.service,  &e.action,     &e.version,      &e.region,
                                 &e.endpoint, &e.request_id, &e.client_token, &e.error_code};
    sqlite3_bind_int64(ins, 1, e.seq);
    sqlite3_bind_int64(ins, 2, e.time_ms);
    for (int i = 0; i < 4; ++i)
      sqlite3_bind_text(ins, 3 + i, text[i]->c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(ins, 7, e.attempt);
    for (int i = 4; i < 12; ++i)
      sqlite3_bind_text(ins, 4 + i, text[i]->c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(ins, 16, e.http_status);
    sqlite3_bind_int64(ins, 17, e.latency_us);
    sqlite3_bind_text(ins, 18, e.operator_user.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 19, e.operator_host.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 20, e.tool_version.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 21, e.payload.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 22, e.prev_hash.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 23, e.hash.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_step(ins);
    sqlite3_reset(ins);
  }
  sqlite3_finalize(ins);
  sqlite3_exec(db, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE);", nullptr, nullptr, nullptr);
  sqlite3_close(db);

  {
    auto store = EventStore::open(path);
    for (auto _ : state) {
      auto r = verify_store(**store, {});
      if (!r || !r->intact() || r->events != n) state.SkipWithError("verify failed");
    }
    state.SetItemsProcessed(state.iterations() * n);
  }
  std::filesystem::remove_all(path.parent_path());
}
BENCHMARK(BM_Verify)->Arg(1000000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
