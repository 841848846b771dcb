// `tcplan runs`, `tcplan status RUN` and `tcplan unlock RUN` end to end: a finished run and a
// run killed while it holds a cluster lock, both against the emulator over loopback; the
// listing, the step view (resource ids, FlowIds, the lock, how to resume), and an unlock that
// frees the cluster for another apply and is recorded in the trail.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <sstream>

#include "tests/testing/local_cloud.h"
#include "tests/testing/process.h"
#include "tests/testing/store.h"

namespace tcplan::testing {
namespace runs_command_test {

using ::testing::HasSubstr;
using ::testing::Not;
namespace json = boost::json;

const std::filesystem::path kPlans = std::filesystem::path(TCPLAN_SOURCE_DIR) / "plans";
const std::string kNightly = (kPlans / "nightly-etl-scale.toml").string();
const std::string kHdfs = (kPlans / "hdfs-rolling-restart.toml").string();
const std::string kInWindow = "2026-11-24T01:10:00+08:00";

class RunsCommand : public ::testing::Test {
 protected:
  RunsCommand() : cloud_({.fixture = kPlans / "fixtures/fleet.toml"}) {}

  ProcessResult tcplan(const std::vector<std::string>& args, RunOptions o = {}) {
    o.cwd = dir_.path();
    return run_tcplan_against(cloud_, db(), args, o);
  }
  const std::filesystem::path& db() const { return db_; }

  // Journal events of a clean run of the nightly plan, in order, up to and including the
  // step_started of its first step: killing a run right there leaves it holding its lock.
  long events_until_first_step() {
    // Its own emulator: the reference run must leave the test's cluster untouched.
    TempDir other;
    const auto other_db = test_store(other.path());
    LocalCloud reference({.fixture = kPlans / "fixtures/fleet.toml"});
    auto r =
        run_tcplan_against(reference, other_db, {"apply", kNightly, "--yes", "--now", kInWindow});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto exported =
        run_tcplan_against(reference, other_db, {"audit", "export", "--format", "jsonl"});
    std::istringstream lines(exported.out);
    std::string line;
    long n = 0;
    while (std::getline(lines, line)) {
      json::value e = json::parse(line);
      std::string kind(e.at("kind").as_string());
      // Lock and lease events and seals are written by the store, not the run's journal.
      if (kind.rfind("lock_", 0) == 0 || kind.rfind("lease_", 0) == 0 || kind == "sealed" ||
          kind.rfind("trail_", 0) == 0)
        continue;
      ++n;
      if (kind == "step_started") return n;
    }
    ADD_FAILURE() << "no step_started in\n" << exported.out;
    return 0;
  }

  std::string killed_run_holding_the_lock() {
    long n = events_until_first_step();
    RunOptions o;
    o.test_hooks = true;
    o.env["TCPLAN_TEST_KILL_AFTER_EVENTS"] = std::to_string(n);
    auto killed = tcplan({"apply", kNightly, "--yes", "--now", kInWindow}, o);
    EXPECT_EQ(killed.exit_code, 128 + 9) << killed.out << killed.err;
    auto at = killed.out.find("run: ");
    EXPECT_NE(at, std::string::npos) << killed.out;
    return killed.out.substr(at + 5, killed.out.find('\n', at) - at - 5);
  }

  TempDir dir_;
  std::filesystem::path db_ = test_store(dir_.path());
  LocalCloud cloud_;
};

TEST_F(RunsCommand, MissingTrailIsAnErrorNotAnEmptyList) {
  const auto none = absent_store(dir_.path());
  RunOptions o;
  o.cwd = dir_.path();
  auto r = run_tcplan_against(cloud_, none, {"runs"}, o);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr(absent_store_message()));
  EXPECT_FALSE(trail_written(none));
}

TEST_F(RunsCommand, ListsAFinishedRunAndShowsItsSteps) {
  auto applied = tcplan({"apply", kNightly, "--yes", "--now", kInWindow});
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  const std::string run = applied.out.substr(5, applied.out.find('\n') - 5);

  auto runs = tcplan({"runs", "--output", "json"});
  ASSERT_EQ(runs.exit_code, 0) << runs.err;
  json::array list = json::parse(runs.out).as_array();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].at("run_id").as_string(), run);
  EXPECT_EQ(list[0].at("status").as_string(), "succeeded");
  EXPECT_EQ(list[0].at("steps").as_int64(), 4);  // the dry run's reads are not a step
  EXPECT_EQ(list[0].at("steps_succeeded").as_int64(), 4);
  EXPECT_EQ(list[0].at("locks").as_int64(), 0);

  auto status = tcplan({"status", run, "--output", "json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  json::object s = json::parse(status.out).as_object();
  const auto& steps = s.at("steps").as_array();
  ASSERT_EQ(steps.size(), 4u);
  EXPECT_EQ(steps[0].at("step").as_string(), "grow");
  EXPECT_EQ(steps[0].at("attempts").as_int64(), 1);
  // The FlowId the scale-out returned is the one the emulator ran.
  std::string flow(steps[0].at("flow_ids").as_array().at(0).as_string());
  bool found = false;
  const json::value state = cloud_.state();
  for (const auto& f : state.at("Flows").as_array())
    found |= std::to_string(f.at("FlowId").as_int64()) == flow;
  EXPECT_TRUE(found) << flow;

  auto listing = tcplan({"runs"});
  EXPECT_THAT(listing.out, HasSubstr("PLAN"));
  EXPECT_THAT(listing.out, HasSubstr("nightly-etl-scale.toml"));
  EXPECT_THAT(listing.out, Not(HasSubstr("holds cluster locks"))) << "legend with no lock";
  EXPECT_TRUE(list[0].at("started").is_string());
  EXPECT_THAT(std::string(list[0].at("started").as_string()), ::testing::EndsWith("Z"));

  auto table = tcplan({"status", run});
  EXPECT_THAT(table.out, HasSubstr("run " + run + ": succeeded"));
  EXPECT_THAT(table.out, HasSubstr("emr-4slr7ad7"));
}

TEST_F(RunsCommand, StatusOfAKilledRunNamesItsLockAndHowToResume) {
  const std::string run = killed_run_holding_the_lock();
  auto runs = tcplan({"runs"});
  EXPECT_THAT(runs.out, HasSubstr(run));
  // Its process is gone (the lease's owner has exited): interrupted, not running.
  EXPECT_THAT(runs.out, HasSubstr("interrupted (killed) *"));

  auto status = tcplan({"status", run});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_THAT(status.out, HasSubstr("holds lock cluster:emr-4slr7ad7"));
  EXPECT_THAT(status.out, HasSubstr("resume: tcplan apply " + kNightly + " --resume " + run));
  EXPECT_THAT(status.out, HasSubstr("tcplan unlock " + run));
  // Honest states: the step it was killed in is interrupted, the three after it never started;
  // the resume line names this trail, so pasting it anywhere resumes this run.
  EXPECT_THAT(status.out, HasSubstr("--audit-db " + printed_store(db())));
  EXPECT_THAT(status.out, HasSubstr("not started"));
  EXPECT_THAT(status.out, Not(HasSubstr("preview")));
  auto json_status = tcplan({"status", run, "--output", "json"});
  const json::array steps = json::parse(json_status.out).at("steps").as_array();
  ASSERT_EQ(steps.size(), 4u) << json_status.out;
  EXPECT_EQ(steps[0].at("status").as_string(), "interrupted");
  for (std::size_t i = 1; i < steps.size(); ++i)
    EXPECT_EQ(steps[i].at("status").as_string(), "pending") << i;
  auto listed = json::parse(tcplan({"runs", "--output", "json"}).out).as_array();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].at("steps").as_int64(), 4) << "STEPS counts the plan's steps";
  EXPECT_EQ(listed[0].at("plan").as_string(), kNightly);
  // The dry run's pseudo-step is over, not "running", in `audit show`.
  auto shown = tcplan({"audit", "show", run});
  EXPECT_THAT(shown.out, Not(::testing::ContainsRegex("step preview +running")));

  auto unknown = tcplan({"status", "run-nope"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("no run run-nope"));
}

TEST_F(RunsCommand, UnlockFreesTheClusterAndIsRecorded) {
  const std::string run = killed_run_holding_the_lock();
  // Another plan on the same cluster is refused while the dead run holds it ...
  auto blocked = tcplan({"apply", kHdfs, "--yes"});
  EXPECT_EQ(blocked.exit_code, 3) << blocked.out << blocked.err;
  EXPECT_THAT(blocked.err, HasSubstr("held by run " + run));

  auto unlock = tcplan({"unlock", run});
  ASSERT_EQ(unlock.exit_code, 0) << unlock.err;
  EXPECT_THAT(unlock.out, HasSubstr("released cluster:emr-4slr7ad7"));
  auto again = tcplan({"unlock", run});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr("holds no locks"));

  // ... and runs once the lock is released; the release is in the trail as forced.
  auto freed = tcplan({"apply", kHdfs, "--yes"});
  EXPECT_EQ(freed.exit_code, 0) << freed.out << freed.err;
  auto exported = tcplan({"audit", "export", "--format", "jsonl"});
  std::istringstream lines(exported.out);
  std::string line;
  bool forced = false;
  while (std::getline(lines, line)) {
    json::value e = json::parse(line);
    if (e.at("kind").as_string() != "lock_released") continue;
    json::value payload = json::parse(e.at("payload").as_string());
    forced |= payload.at("forced").as_bool() && e.at("run_id").as_string() == run;
  }
  EXPECT_TRUE(forced) << exported.out;
  EXPECT_EQ(tcplan({"audit", "verify"}).exit_code, 0);
}

}  // namespace runs_command_test
}  // namespace tcplan::testing
