// The crash test with time passing: plans/lifecycle.toml killed (SIGKILL) right after each one
// of its audit events in turn, the emulator's clock then moved 6 minutes — every ClientToken
// the killed process sent is forgotten, every flow it started has ended — and the run resumed.
// It must finish with no duplicate resource, nothing lost from the trail and an intact chain:
// nothing may lean on a token's memory across processes. Sharded like crash_kill_test.cc.
#include <gtest/gtest.h>

#include "tests/executor/crash/lifecycle.h"

namespace tcplan::testing::crash {
namespace crash_kill_clock_test {

constexpr double kClockScale = 10000;
constexpr int kClockShards = 16;
constexpr std::int64_t kSixMinutes = 6 * 60 * 1000;

class CrashKillThenClockAdvance : public ::testing::TestWithParam<int> {};

TEST_P(CrashKillThenClockAdvance, ResumeReadsInsteadOfTrustingOldTokens) {
  const int shard = GetParam();
  const long total = lifecycle_events(kClockScale);
  ASSERT_GE(total, 40) << "the clean run wrote too few events to be the whole plan";
  int killed = 0;
  for (long n = shard + 1; n <= total; n += kClockShards) {
    kill_and_resume(n, kClockScale, {}, 1, kSixMinutes);
    ++killed;
    if (HasFatalFailure()) return;
  }
  RecordProperty("events", static_cast<int>(total));
  RecordProperty("kills", killed);
}

INSTANTIATE_TEST_SUITE_P(Shards, CrashKillThenClockAdvance, ::testing::Range(0, kClockShards));

}  // namespace crash_kill_clock_test
}  // namespace tcplan::testing::crash
