// The cluster lock of a run that died (SIGKILL after any of its events) or was interrupted
// (Ctrl-C) stays with that run: another apply on the cluster is refused, and the run's own
// `--resume` carries the lock on instead of refusing on its own name, finishes, and releases
// it. Plan: plans/hdfs-rolling-restart.toml on the fixture's cluster emr-4slr7ad7.
#include <gtest/gtest.h>

#include <memory>

#include "tests/executor/crash/background.h"
#include "tests/executor/crash/lifecycle.h"

namespace tcplan::testing::crash {
namespace crash_lock_test {

constexpr double kLockScale = 10000;
constexpr int kLockShards = 4;
const char* const kLock = "cluster:emr-4slr7ad7";

std::filesystem::path restart_plan() {
  return e2e::plans_dir() / "hdfs-rolling-restart.toml";
}

ProcessResult apply_restart(const CrashBed& b, std::vector<std::string> extra = {},
                            RunOptions options = {}) {
  options.timeout = std::chrono::seconds{60};
  return b.bed.apply(b.cloud, restart_plan(), std::move(extra), std::move(options));
}

// The lock's history in the trail: (kind, run) for each lock event, in order.
std::vector<std::pair<std::string, std::string>> lock_history(const std::vector<TrailEvent>& t) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : t)
    if (e.item == kLock && (e.kind == "lock_acquired" || e.kind == "lock_released"))
      out.emplace_back(e.kind, e.run_id);
  return out;
}

// The run took the lock once (in whichever process got that far), kept it across the kill,
// and released it at the end; the restart ran exactly once and the cluster is idle again.
void expect_lock_passed_on(const CrashBed& b, const std::string& run) {
  auto trail = b.trail();
  auto history = lock_history(trail);
  using Entry = std::pair<std::string, std::string>;
  EXPECT_EQ(history, (std::vector<Entry>{{"lock_acquired", run}, {"lock_released", run}}));
  expect_every_request_answered(trail, run);

  b.cloud.advance_ms(3600 * 1000);
  auto state = b.cloud.state();
  int restarts = 0;
  for (const auto& f : state.at("Flows").as_array())
    restarts += str_of(f.as_object(), "Action") == "StartStopServiceOrMonitor";
  EXPECT_EQ(restarts, 1) << "HDFS restarted " << restarts << " times";
  ProcessResult verify = b.bed.tcplan(b.cloud, {"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << e2e::dump(verify);
}

class CrashLockKilledAfterEvent : public ::testing::TestWithParam<int> {};

TEST_P(CrashLockKilledAfterEvent, ResumeKeepsTheLockFinishesAndReleasesIt) {
  long total = 0;
  {
    CrashBed clean(kLockScale, {}, e2e::fleet_fixture());
    ProcessResult r = apply_restart(clean);
    ASSERT_EQ(r.exit_code, 0) << e2e::dump(r);
    total = journal_events(clean.trail(), e2e::run_id_of(r));
  }
  ASSERT_GE(total, 15) << "the clean run wrote too few events to be the whole plan";
  for (long n = GetParam() + 1; n <= total; n += kLockShards) {
    SCOPED_TRACE("killed after event " + std::to_string(n));
    CrashBed b(kLockScale, {}, e2e::fleet_fixture());
    RunOptions kill;
    kill.test_hooks = true;
    kill.env["TCPLAN_TEST_KILL_AFTER_EVENTS"] = std::to_string(n);
    ProcessResult killed = apply_restart(b, {}, kill);
    const std::string run = e2e::run_id_of(killed);
    if (killed.exit_code == 0) {
      EXPECT_LT(journal_events(b.trail(), run), n) << e2e::dump(killed);
      continue;
    }
    ASSERT_EQ(killed.exit_code, 128 + 9) << e2e::dump(killed);
    ProcessResult resumed = apply_restart(b, {"--resume", run});
    ASSERT_EQ(resumed.exit_code, 0) << e2e::dump(resumed);
    expect_lock_passed_on(b, run);
  }
}

INSTANTIATE_TEST_SUITE_P(Shards, CrashLockKilledAfterEvent, ::testing::Range(0, kLockShards));

TEST(CrashLock, AnInterruptedRunKeepsItsLockForItsResumeOnly) {
  // A slow clock: the 2-minute restart flow lasts 6 s, long enough to interrupt it.
  e2e::Bed bed;
  LocalCloudOptions o;
  o.fixture = e2e::fleet_fixture();
  o.state_file = bed.dir / "cloud.db";
  o.time_scale = 20;
  auto cloud = std::make_unique<LocalCloud>(o);
  Background run(*cloud, bed.db, {"apply", restart_plan().string(), "--yes"}, bed.dir.path());
  ASSERT_TRUE(e2e::eventually(
      [&] {
        for (const auto& e : read_trail(bed.db))
          if (e.step_id == "restart-hdfs" && e.kind == "response_received" && e.attempt == 1)
            return true;
        return false;
      },
      std::chrono::seconds{30}))
      << "the restart was never answered";
  run.signal(SIGINT);
  auto done = run.wait(std::chrono::seconds{30});
  ASSERT_TRUE(done.has_value()) << "tcplan did not exit after SIGINT";
  ASSERT_EQ(done->exit_code, 130) << e2e::dump(*done);
  const std::string holder = e2e::run_id_of(*done);

  // Still held by the interrupted run: a new apply on the cluster is refused, naming it.
  ProcessResult other = bed.apply(*cloud, restart_plan());
  EXPECT_EQ(other.exit_code, 3) << e2e::dump(other);
  EXPECT_NE(other.err.find(holder), std::string::npos) << e2e::dump(other);

  // The resume (on the same cloud state, at a fast clock) takes the lock on, sees the restart
  // through, and lets go.
  cloud.reset();
  o.fixture.clear();
  o.time_scale = kLockScale;
  cloud = std::make_unique<LocalCloud>(o);
  ProcessResult resumed = bed.apply(*cloud, restart_plan(), {"--resume", holder, "--explain"});
  EXPECT_EQ(resumed.exit_code, 0) << e2e::dump(resumed);
  std::vector<std::pair<std::string, std::string>> expected{{"lock_acquired", holder},
                                                            {"lock_released", holder}};
  EXPECT_EQ(lock_history(read_trail(bed.db)), expected);
  int restarts = 0;
  const json::value state = cloud->state();
  for (const auto& f : state.at("Flows").as_array())
    restarts += str_of(f.as_object(), "Action") == "StartStopServiceOrMonitor";
  EXPECT_EQ(restarts, 1) << "the resume restarted HDFS again";
}

}  // namespace crash_lock_test
}  // namespace tcplan::testing::crash
