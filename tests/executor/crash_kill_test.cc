// Issue 5's crash test: plans/lifecycle.toml killed (SIGKILL, as `kill -9` would) right after
// each one of its audit events in turn, then resumed, must finish with no duplicate resource,
// nothing lost from the trail and an intact chain. The Ns are shared out over shards so that
// `ctest -j` runs them in parallel; each shard counts E on a clean run of its own.
#include <gtest/gtest.h>

#include <chrono>

#include "tests/executor/crash/lifecycle.h"

namespace tcplan::testing::crash {
namespace crash_kill_test {

// 10000x: the plan's 22 minutes of flows pass in about 130 ms, so a run is about half a second.
constexpr double kKillScale = 10000;
constexpr int kKillShards = 16;

class CrashKillAfterEvent : public ::testing::TestWithParam<int> {};

TEST_P(CrashKillAfterEvent, ResumeFinishesWithoutDuplicatesOrLostRecords) {
  const int shard = GetParam();
  const auto started = std::chrono::steady_clock::now();
  const long total = lifecycle_events(kKillScale);
  // The plan has 10 steps, each with at least a start, a call and a finish: a count below
  // that means the clean run did not do what the test is about.
  ASSERT_GE(total, 40) << "the clean run wrote too few events to be the whole plan";
  int killed = 0;
  for (long n = shard + 1; n <= total; n += kKillShards) {
    kill_and_resume(n, kKillScale);
    ++killed;
    if (HasFatalFailure()) return;
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  RecordProperty("events", static_cast<int>(total));
  RecordProperty("kills", killed);
  RecordProperty("wall_ms", static_cast<int>(ms));
}

INSTANTIATE_TEST_SUITE_P(Shards, CrashKillAfterEvent, ::testing::Range(0, kKillShards));

}  // namespace crash_kill_test
}  // namespace tcplan::testing::crash
