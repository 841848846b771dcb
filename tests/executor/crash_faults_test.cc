// The crash test with a lossy line: each mutating action of plans/lifecycle.toml in turn takes
// effect but loses its answer (the emulator's commit_then_drop), and tcplan is killed just
// before the send, just after the loss is recorded, and one event later. The resume must find
// what the lost call did, from the cloud, and not do it twice.
#include <gtest/gtest.h>

#include "tests/executor/crash/lifecycle.h"

namespace tcplan::testing::crash {
namespace crash_faults_test {

constexpr double kFaultsScale = 10000;

class CrashAfterLostAnswer : public ::testing::TestWithParam<std::string> {};

TEST_P(CrashAfterLostAnswer, ResumeFindsTheEffectAndDoesNotRepeatIt) {
  const std::string action = GetParam();
  TempDir dir;
  const std::filesystem::path faults = dir / "faults.toml";
  write_file(faults, "[[fault]]\naction = \"" + action + "\"\nnth = 1\ncommit_then_drop = true\n");
  // A restart that already ended cannot be seen, so it may run twice (docs/executor.md).
  const std::int64_t max_restarts = action == "StartStopServiceOrMonitor" ? 2 : 1;

  // Where the loss falls among the journal events of a run that is not killed.
  long lost_at = 0;
  {
    CrashBed clean(kFaultsScale, faults);
    ProcessResult r = apply_lifecycle(clean);
    ASSERT_EQ(r.exit_code, 0) << e2e::dump(r);
    const std::string run = e2e::run_id_of(r);
    long n = 0;
    for (const auto& e : clean.trail()) {
      if (e.run_id != run || !journal_kind(e.kind)) continue;
      ++n;
      if (e.kind == "transport_error" && e.action == action) lost_at = n;
    }
    ASSERT_GT(lost_at, 0) << "the emulator never dropped a " << action << " answer";
    clean.cloud.advance_ms(3600 * 1000);
    expect_lifecycle_done(clean.cloud.state(), run, max_restarts);
  }
  for (long n : {lost_at - 1, lost_at, lost_at + 1})
    kill_and_resume(n, kFaultsScale, faults, max_restarts);
}

INSTANTIATE_TEST_SUITE_P(Actions, CrashAfterLostAnswer,
                         ::testing::Values("CreateInstance", "ScaleOutInstance",
                                           "StartStopServiceOrMonitor", "TerminateTasks",
                                           "TerminateInstance"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace crash_faults_test
}  // namespace tcplan::testing::crash
