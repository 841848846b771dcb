// What an interrupted run says about its steps (issue 14): the step Ctrl-C stopped reads
// "interrupted", the step after it, which never started, "pending" (not "interrupted") in
// apply's summary and `tcplan status`; `tcplan runs` counts the plan's two steps; and the
// resume command apply prints carries the run's --audit-db.
#include <gtest/gtest.h>

#include <csignal>

#include "tests/executor/crash/background.h"
#include "tests/executor/crash/lifecycle.h"

namespace tcplan::testing::crash {
namespace interrupted_states_e2e_test {

constexpr const char* kTwoSteps = R"(version = 1
name = "restart-then-wait"
region = "ap-guangzhou"

[[steps]]
id = "restart-yarn"
kind = "restart"
timeout = "1h"
poll = "100ms"
[steps.params]
InstanceId = "emr-4slr7ad7"
OpScope = { ServiceInfoList = [{ ServiceName = "YARN" }] }
StrategyConfig = { RollingRestartSwitch = 1, BatchSize = 1, TimeWait = 30, DealOnFail = 0 }

[[steps]]
id = "wait-running"
kind = "wait"
cluster = "emr-4slr7ad7"
until = "running"
)";

TEST(InterruptedRun, StepsThatNeverStartedArePendingNotInterrupted) {
  e2e::Bed bed;
  write_file(bed.dir / "plan.toml", kTwoSteps);
  LocalCloudOptions o;
  o.fixture = e2e::fleet_fixture();
  o.time_scale = 1;  // the restart's flow runs for real minutes: the signal lands inside it
  LocalCloud cloud(o);
  Background run(cloud, bed.db,
                 {"apply", (bed.dir / "plan.toml").string(), "--yes", "--output", "json"},
                 bed.dir.path());
  ASSERT_TRUE(e2e::eventually(
      [&] {
        // The restart's answer is in: the step now waits on its flow, whose first read comes
        // only at the restart's documented end (minutes at this time scale).
        for (const auto& e : read_trail(bed.db))
          if (e.kind == "response_received" && e.step_id == "restart-yarn" &&
              e.action == "StartStopServiceOrMonitor" && e.error_code.empty())
            return true;
        return false;
      },
      std::chrono::seconds{60}))
      << run.err();
  run.signal(SIGINT);
  auto done = run.wait(std::chrono::seconds{60});
  ASSERT_TRUE(done.has_value()) << run.err();
  ASSERT_EQ(done->exit_code, 130) << e2e::dump(*done);
  const std::string id = e2e::run_id_of(*done);
  EXPECT_NE(done->err.find("--resume " + id + " --endpoint " + cloud.url()), std::string::npos)
      << done->err;
  EXPECT_NE(done->err.find("--audit-db " + printed_store(bed.db)), std::string::npos) << done->err;

  json::object summary = json::parse(done->out).as_object();
  const json::array& steps = summary.at("steps").as_array();
  ASSERT_EQ(steps.size(), 2u) << done->out;
  EXPECT_EQ(steps[0].at("status").as_string(), "interrupted") << done->out;
  EXPECT_EQ(steps[1].at("status").as_string(), "pending") << done->out;

  ProcessResult status = bed.tcplan(cloud, {"status", id, "--output", "json"});
  ASSERT_EQ(status.exit_code, 0) << e2e::dump(status);
  json::array st = json::parse(status.out).at("steps").as_array();
  ASSERT_EQ(st.size(), 2u) << status.out;
  EXPECT_EQ(st[0].at("status").as_string(), "interrupted") << status.out;
  EXPECT_EQ(st[1].at("status").as_string(), "pending") << status.out;

  ProcessResult runs = bed.tcplan(cloud, {"runs", "--output", "json"});
  json::array list = json::parse(runs.out).as_array();
  ASSERT_EQ(list.size(), 1u) << runs.out;
  EXPECT_EQ(list[0].at("status").as_string(), "interrupted");
  EXPECT_EQ(list[0].at("steps").as_int64(), 2) << runs.out;
}

}  // namespace interrupted_states_e2e_test
}  // namespace tcplan::testing::crash
