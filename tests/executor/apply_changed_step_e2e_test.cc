// `tcplan apply --resume` after the plan was edited under an interrupted run: a started step
// whose request changed is not re-sent as something else; the resume refuses (exit 3), names
// the step and records it. With the plan as it was, the run resumes and creates only once.
#include <gtest/gtest.h>

#include "tests/executor/e2e.h"

namespace tcplan::testing {
namespace apply_changed_step_e2e_test {

namespace json = boost::json;
using e2e::Bed;
using e2e::dump;

std::int64_t received(const LocalCloud& cloud, const std::string& action) {
  auto state = cloud.state();
  auto* v = state.as_object().at("Received").as_object().if_contains(action);
  return v ? v->to_number<std::int64_t>() : 0;
}

std::size_t nodes_of(const LocalCloud& cloud, const std::string& cluster) {
  const json::value state = cloud.state();
  for (const auto& c : state.at("Clusters").as_array()) {
    if (c.at("ClusterId").as_string() == cluster) return c.at("Nodes").as_array().size();
  }
  return 0;
}

LocalCloudOptions fleet() {
  LocalCloudOptions o;
  o.fixture = e2e::fleet_fixture();
  return o;
}

// How many journal events the run has written once "grow" started, from a run left alone.
long events_until_grow_started() {
  LocalCloud cloud(fleet());
  Bed bed;
  ProcessResult r = bed.apply(cloud, e2e::data_dir() / "grow-and-restart.toml");
  EXPECT_EQ(r.exit_code, 0) << dump(r);
  return e2e::journal_events_until(
      e2e::export_rows(bed, cloud, e2e::run_id_of(r)),
      [](const e2e::Row& row) { return row.kind() == "step_started" && row.step() == "grow"; });
}

TEST(ApplyResumeChangedStep, RefusesAndNamesTheStepThenResumesWithTheOriginalPlan) {
  const long kill_after = events_until_grow_started();
  ASSERT_GT(kill_after, 0);

  LocalCloud cloud(fleet());
  Bed bed;
  const std::string original = read_file(e2e::data_dir() / "grow-and-restart.toml");
  const auto plan = bed.dir / "plan.toml";
  write_file(plan, original);
  const std::size_t nodes = nodes_of(cloud, "emr-4slr7ad7");

  RunOptions killed;
  killed.test_hooks = true;
  killed.env["TCPLAN_TEST_KILL_AFTER_EVENTS"] = std::to_string(kill_after);
  ProcessResult first = bed.apply(cloud, plan, {}, killed);
  ASSERT_EQ(first.exit_code, 128 + 9) << dump(first);
  const std::string run = e2e::run_id_of(first);
  ASSERT_FALSE(run.empty()) << dump(first);
  {
    auto rows = e2e::export_rows(bed, cloud, run);
    ASSERT_EQ(e2e::select(rows, "step_started", "", "grow").size(), 1u);
    ASSERT_TRUE(e2e::select(rows, "step_finished", "", "grow").empty());
  }

  // Someone edits the plan while the run is interrupted.
  std::string edited = original;
  auto at = edited.find("TaskCount = 2");
  ASSERT_NE(at, std::string::npos);
  edited.replace(at, 13, "TaskCount = 3");
  write_file(plan, edited);

  ProcessResult resumed = bed.apply(cloud, plan, {"--resume", run});
  ASSERT_EQ(resumed.exit_code, 3) << dump(resumed);
  EXPECT_NE((resumed.out + resumed.err).find("step 'grow' changed since run " + run),
            std::string::npos)
      << dump(resumed);
  EXPECT_EQ(received(cloud, "emr.ScaleOutInstance"), 0) << "the changed step was sent";
  {
    auto rows = e2e::export_rows(bed, cloud, run);
    auto refused = e2e::select(rows, "refused");
    ASSERT_EQ(refused.size(), 1u);
    EXPECT_EQ(refused[0].field("reason"), "changed_step");
    EXPECT_NE(refused[0].field("detail").find("step 'grow'"), std::string::npos);
  }

  // Put back as it was, the run resumes and finishes: the two nodes, once.
  write_file(plan, original);
  ProcessResult finished = bed.apply(cloud, plan, {"--resume", run});
  ASSERT_EQ(finished.exit_code, 0) << dump(finished);
  EXPECT_EQ(received(cloud, "emr.ScaleOutInstance"), 1);
  EXPECT_EQ(nodes_of(cloud, "emr-4slr7ad7"), nodes + 2);
  ProcessResult verify = bed.tcplan(cloud, {"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << dump(verify);
}

}  // namespace apply_changed_step_e2e_test
}  // namespace tcplan::testing
