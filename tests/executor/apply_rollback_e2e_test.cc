// on_failure = "rollback" end to end: when a later step fails, the [[steps.undo]] of the steps
// that completed run in reverse order, are recorded in the audit trail, put the cluster back
// as it was (the added nodes removed, the scheduler switched back), and apply exits 1.
#include <gtest/gtest.h>

#include "tests/executor/e2e.h"

namespace tcplan::testing {
namespace apply_rollback_e2e_test {

namespace json = boost::json;
using e2e::Bed;
using e2e::dump;

const std::string kCluster = "emr-4slr7ad7";

const json::object& cluster_in(const json::value& state, const std::string& id) {
  for (const auto& c : state.at("Clusters").as_array()) {
    if (c.at("ClusterId").as_string() == id) return c.as_object();
  }
  throw std::runtime_error("no cluster " + id + " in the emulator state");
}

// The undo steps the trail says ran, in order, as "undo-step<-step: status".
std::vector<std::string> undo_trail(const std::vector<e2e::Row>& rows) {
  std::vector<std::string> out;
  for (const auto& r : e2e::select(rows, "step_finished")) {
    std::string of = r.field("undo_of");
    if (!of.empty()) out.push_back(r.step() + "<-" + of + ": " + r.field("status"));
  }
  return out;
}

TEST(ApplyRollback, UndoStepsOfCompletedStepsRunInReverseOrder) {
  LocalCloudOptions o;
  o.fixture = e2e::fleet_fixture();
  LocalCloud cloud(o);
  Bed bed;
  const json::value before = cloud.state();

  ProcessResult r = bed.apply(cloud, e2e::data_dir() / "rollback.toml");
  ASSERT_EQ(r.exit_code, 1) << dump(r);
  EXPECT_NE(r.out.find("run failed"), std::string::npos) << dump(r);

  auto rows = e2e::export_rows(bed, cloud, e2e::run_id_of(r));
  EXPECT_EQ(undo_trail(rows), (std::vector<std::string>{"switch-back<-switch: succeeded",
                                                        "undo-grow<-grow: succeeded"}));
  auto failed = e2e::select(rows, "step_finished", "", "restart-impala");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].field("status"), "failed");
  EXPECT_TRUE(e2e::select(rows, "step_started", "", "restart-yarn").empty())
      << "a step after the failure ran";
  // The scale-in removed exactly the nodes "grow" added: the ones it selected are those.
  auto added = e2e::select(rows, "step_started", "TerminateTasks", "undo-grow");
  ASSERT_EQ(added.size(), 1u);
  EXPECT_EQ(added[0].payload.at("selected").as_array().size(), 2u);

  // Once the scale-in's flow has run, the cluster is as the fixture made it.
  cloud.advance_ms(3600 * 1000);
  const json::value after = cloud.state();
  const auto& was = cluster_in(before, kCluster);
  const auto& now = cluster_in(after, kCluster);
  EXPECT_EQ(now.at("Nodes").as_array().size(), was.at("Nodes").as_array().size());
  EXPECT_EQ(now.at("Scheduler"), was.at("Scheduler"));
  EXPECT_EQ(now.at("Status"), 2);
  EXPECT_LE(count_state(after).max_resources_per_token, 1u);

  std::string summary = r.out;
  auto back = summary.find("undo switch-back");
  auto grow = summary.find("undo undo-grow");
  EXPECT_NE(back, std::string::npos) << dump(r);
  EXPECT_LT(back, grow) << dump(r);
}

TEST(ApplyRollback, NightlyPlanRemovesTheNodesItAddedWhenTheRestartFails) {
  const auto plan = e2e::plans_dir() / "nightly-etl-scale.toml";
  LocalCloudOptions o;
  o.fixture = e2e::fleet_fixture();
  o.faults = e2e::data_dir() / "restart-rejected.toml";
  LocalCloud cloud(o);
  Bed bed;
  const std::size_t nodes = cluster_in(cloud.state(), kCluster).at("Nodes").as_array().size();

  ProcessResult r = bed.apply(cloud, plan, {"--now", e2e::now_inside_window(plan)});
  ASSERT_EQ(r.exit_code, 1) << dump(r);
  EXPECT_NE(r.out.find("the service cannot be restarted now (injected)"), std::string::npos)
      << dump(r);

  auto rows = e2e::export_rows(bed, cloud, e2e::run_id_of(r));
  EXPECT_EQ(undo_trail(rows), std::vector<std::string>{"undo-grow<-grow: succeeded"});
  EXPECT_TRUE(e2e::select(rows, "step_started", "", "shrink").empty());

  cloud.advance_ms(3600 * 1000);
  const json::value after = cloud.state();
  EXPECT_EQ(cluster_in(after, kCluster).at("Nodes").as_array().size(), nodes);
  EXPECT_EQ(cluster_in(after, kCluster).at("Status"), 2);
  ProcessResult verify = bed.tcplan(cloud, {"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << dump(verify);
}

}  // namespace apply_rollback_e2e_test
}  // namespace tcplan::testing
