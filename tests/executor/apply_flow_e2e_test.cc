// How a wait ends on each flow outcome and failure status: finished with skips (3) succeeds and
// names them; failed (-1), blocked (-3), cluster 301/302 fail at once. "At once" comes from the
// audit trail, not the clock: one poll saw the terminal state, and it was the last.
#include <gtest/gtest.h>

#include "tests/executor/e2e.h"

namespace tcplan::testing {
namespace apply_flow_e2e_test {

namespace json = boost::json;
using e2e::Bed;
using e2e::dump;

std::int64_t int_of(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_string()) return std::stoll(std::string(v->as_string()));
  return v->is_number() ? v->to_number<std::int64_t>() : 0;
}

// The FlowTotalStatus each poll of `step` saw, in order.
std::vector<std::int64_t> flow_polls(const std::vector<e2e::Row>& rows, const std::string& step) {
  std::vector<std::int64_t> out;
  for (const auto& r :
       e2e::select(rows, "response_received", "DescribeClusterFlowStatusDetail", step)) {
    auto resp = r.response();
    if (resp.contains("FlowTotalStatus")) out.push_back(int_of(resp, "FlowTotalStatus"));
  }
  return out;
}

// The Status of `cluster` each DescribeInstances poll of `step` saw, in order.
// Status reads are batched across the items and steps waiting at the same moment
// (docs/executor.md, "Waits"): they are recorded as the run's, not one step's.
std::vector<std::int64_t> cluster_polls(const std::vector<e2e::Row>& rows,
                                        const std::string& cluster) {
  std::vector<std::int64_t> out;
  for (const auto& r : e2e::select(rows, "response_received", "DescribeInstances")) {
    if (!r.step().empty()) continue;  // the dry run's reads ("preview")
    auto resp = r.response();
    auto* list = resp.if_contains("ClusterList");
    if (!list || !list->is_array()) continue;
    for (const auto& c : list->as_array()) {
      if (c.as_object().at("ClusterId").as_string() == cluster) {
        out.push_back(int_of(c.as_object(), "Status"));
      }
    }
  }
  return out;
}

std::size_t nodes_of(const json::value& state, const std::string& cluster) {
  for (const auto& c : state.at("Clusters").as_array()) {
    if (c.at("ClusterId").as_string() == cluster) return c.at("Nodes").as_array().size();
  }
  return 0;
}

LocalCloudOptions fleet_with(const std::string& faults) {
  LocalCloudOptions o;
  o.fixture = e2e::fleet_fixture();
  o.faults = e2e::data_dir() / faults;
  return o;
}

const std::string kCluster = "emr-4slr7ad7";

TEST(ApplyFlowOutcome, FinishedWithSkippedStagesSucceedsAndNamesTheStage) {
  LocalCloud cloud(fleet_with("flow-skipped.toml"));
  Bed bed;
  std::size_t before = nodes_of(cloud.state(), kCluster);

  ProcessResult r = bed.apply(cloud, e2e::data_dir() / "scale-out-wait-flow.toml");
  ASSERT_EQ(r.exit_code, 0) << dump(r);
  EXPECT_NE(r.out.find("run succeeded"), std::string::npos) << dump(r);
  // The summary names the stage the flow skipped: one of the scale-out's documented stages.
  const std::string marker = "completed with skipped stages: skipped: ";
  auto at = r.out.find(marker);
  ASSERT_NE(at, std::string::npos) << dump(r);
  at += marker.size();
  std::string stage = r.out.substr(at, r.out.find('\n', at) - at);
  EXPECT_TRUE(stage == "Apply for resources" || stage == "Initialise nodes" ||
              stage == "Deploy services" || stage == "Start services")
      << "skipped stage '" << stage << "'";

  auto rows = e2e::export_rows(bed, cloud, e2e::run_id_of(r));
  auto polls = flow_polls(rows, "wait-grow");
  ASSERT_FALSE(polls.empty());
  EXPECT_EQ(polls.back(), 3);
  // A flow finished with skips applies its effect like a clean finish.
  EXPECT_EQ(nodes_of(cloud.state(), kCluster), before + 2);
}

TEST(ApplyFlowOutcome, FailedFlowFailsAtOnceWithTheStageReason) {
  LocalCloud cloud(fleet_with("flow-failed.toml"));
  Bed bed;
  std::size_t before = nodes_of(cloud.state(), kCluster);

  ProcessResult r = bed.apply(cloud, e2e::data_dir() / "scale-out-wait-flow.toml");
  ASSERT_EQ(r.exit_code, 1) << dump(r);
  EXPECT_NE(r.out.find("Disk quota exceeded in ap-guangzhou-3"), std::string::npos) << dump(r);
  EXPECT_NE(r.out.find("run failed"), std::string::npos) << dump(r);

  auto rows = e2e::export_rows(bed, cloud, e2e::run_id_of(r));
  auto polls = flow_polls(rows, "wait-grow");
  ASSERT_FALSE(polls.empty());
  EXPECT_EQ(polls.back(), -1);
  EXPECT_EQ(std::count(polls.begin(), polls.end(), -1), 1) << "polled on after the flow failed";
  auto finished = e2e::select(rows, "step_finished", "", "wait-grow");
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_EQ(finished[0].field("status"), "failed");
  EXPECT_NE(finished[0].field("error").find("Disk quota exceeded"), std::string::npos);
  EXPECT_EQ(nodes_of(cloud.state(), kCluster), before) << "a failed scale-out adds no nodes";
}

TEST(ApplyFlowOutcome, BlockedFlowFailsAtOnce) {
  LocalCloud cloud(fleet_with("flow-blocked.toml"));
  Bed bed;

  ProcessResult r = bed.apply(cloud, e2e::data_dir() / "scale-out-wait-flow.toml");
  ASSERT_EQ(r.exit_code, 1) << dump(r);
  EXPECT_NE(r.out.find("blocked"), std::string::npos) << dump(r);

  auto rows = e2e::export_rows(bed, cloud, e2e::run_id_of(r));
  auto polls = flow_polls(rows, "wait-grow");
  ASSERT_FALSE(polls.empty());
  EXPECT_EQ(polls.back(), -3);
  EXPECT_EQ(std::count(polls.begin(), polls.end(), -3), 1) << "polled on after the flow blocked";
}

TEST(ApplyFlowOutcome, CreateFailedStatus301FailsTheRunningWaitAtOnce) {
  LocalCloud cloud(fleet_with("create-failed.toml"));
  Bed bed;

  ProcessResult r = bed.apply(cloud, e2e::plans_dir() / "create-cluster.toml");
  ASSERT_EQ(r.exit_code, 1) << dump(r);
  EXPECT_NE(r.out.find("create failed (status 301)"), std::string::npos) << dump(r);

  auto rows = e2e::export_rows(bed, cloud, e2e::run_id_of(r));
  auto created = e2e::select(rows, "step_finished", "", "create");
  ASSERT_EQ(created.size(), 1u);
  auto& outputs = created[0].payload.as_object().at("outputs").as_object();
  std::string cluster(outputs.at("InstanceId").as_string());
  auto polls = cluster_polls(rows, cluster);
  ASSERT_FALSE(polls.empty());
  EXPECT_EQ(polls.back(), 301);
  EXPECT_EQ(std::count(polls.begin(), polls.end(), 301), 1) << "polled on after status 301";
}

TEST(ApplyFlowOutcome, ScaleOutFailedStatus302FailsTheRunningWaitAtOnce) {
  LocalCloud cloud(fleet_with("flow-failed.toml"));
  Bed bed;

  ProcessResult r = bed.apply(cloud, e2e::data_dir() / "scale-out-wait-running.toml");
  ASSERT_EQ(r.exit_code, 1) << dump(r);
  EXPECT_NE(r.out.find("scale-out failed (status 302)"), std::string::npos) << dump(r);

  auto rows = e2e::export_rows(bed, cloud, e2e::run_id_of(r));
  auto polls = cluster_polls(rows, kCluster);
  ASSERT_FALSE(polls.empty());
  EXPECT_EQ(polls.back(), 302);
  EXPECT_EQ(std::count(polls.begin(), polls.end(), 302), 1) << "polled on after status 302";
}

TEST(ApplyFlowOutcome, ClustersLeftIn301And302FailOnTheFirstPoll) {
  LocalCloudOptions o;
  o.fixture = e2e::data_dir() / "failed-clusters.toml";
  LocalCloud cloud(o);
  Bed bed;

  ProcessResult r = bed.apply(cloud, e2e::data_dir() / "wait-failed-clusters.toml");
  ASSERT_EQ(r.exit_code, 1) << dump(r);
  EXPECT_NE(r.out.find("emr-crfail01 create failed (status 301)"), std::string::npos) << dump(r);

  auto rows = e2e::export_rows(bed, cloud, e2e::run_id_of(r));
  EXPECT_EQ(cluster_polls(rows, "emr-crfail01"), std::vector<std::int64_t>{301});
  EXPECT_EQ(cluster_polls(rows, "emr-scfail02"), std::vector<std::int64_t>{302});
  auto finished = e2e::select(rows, "step_finished", "", "wait-running");
  ASSERT_EQ(finished.size(), 2u);
  for (const auto& f : finished) {
    EXPECT_EQ(f.field("status"), "failed");
  }
}

}  // namespace apply_flow_e2e_test
}  // namespace tcplan::testing
