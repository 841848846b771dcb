// Scripted flow outcomes (CloudOptions::flow_faults): -1 with the stage's FailedReason and the
// cluster in 302 after a failed scale-out, -3 blocking the cluster, 3 with a skipped stage, and
// seeded probabilities that pick the same flows on every run.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>

#include "emulator/cloud.h"
#include "tests/testing/process.h"

namespace tcplan::emulator {
namespace cloud_faults_test {

namespace json = boost::json;

const char* kFixture = R"(
[[clusters]]
id = "emr-faults01"
[clusters.master]
count = 1
[clusters.core]
count = 2
)";

struct Harness {
  explicit Harness(std::vector<FlowFault> faults, std::uint64_t seed = 1) {
    testing::write_file(dir / "fixture.toml", kFixture);
    CloudOptions options;
    options.state_file = dir / "state.db";
    options.fixture_file = dir / "fixture.toml";
    options.time_scale = 1e-9;
    options.flow_faults = std::move(faults);
    options.seed = seed;
    cloud = make_cloud(options);
  }
  ApiReply call(const std::string& action, json::object params) {
    ApiCall c;
    c.service = "emr";
    c.action = action;
    c.version = "2019-01-03";
    c.region = "ap-guangzhou";
    c.params = std::move(params);
    return cloud->handle(c);
  }
  std::int64_t scale_out() {
    auto r = call("ScaleOutInstance", {{"InstanceId", "emr-faults01"},
                                       {"PayMode", 0},
                                       {"TimeUnit", "s"},
                                       {"TimeSpan", 3600},
                                       {"TaskCount", 1}});
    EXPECT_TRUE(r.ok()) << r.error_code;
    return r.ok() ? r.response["FlowId"].as_int64() : 0;
  }
  json::object flow(std::int64_t id) {
    return call("DescribeClusterFlowStatusDetail",
                {{"InstanceId", "emr-faults01"},
                 {"FlowParam", {{"FKey", "FlowId"}, {"FValue", std::to_string(id)}}}})
        .response;
  }
  std::int64_t status() {
    auto r = call("DescribeInstances",
                  {{"DisplayStrategy", "clusterList"}, {"InstanceIds", {"emr-faults01"}}});
    return r.response["ClusterList"].as_array()[0].as_object().at("Status").as_int64();
  }
  std::size_t tasks() {
    return call("DescribeClusterNodes", {{"InstanceId", "emr-faults01"}, {"NodeFlag", "task"}})
        .response["NodeList"]
        .as_array()
        .size();
  }
  testing::TempDir dir;
  std::unique_ptr<Cloud> cloud;
};

FlowFault fault(std::string action, std::int64_t nth, int outcome, std::string reason = {}) {
  FlowFault f;
  f.action = std::move(action);
  f.nth = nth;
  f.outcome = outcome;
  f.failed_reason = std::move(reason);
  return f;
}

TEST(CloudFaultsTest, FailedFlowReportsTheStageReasonAndScaleOutFailedStatus) {
  Harness h({fault("ScaleOutInstance", 2, -1, "CVM sold out in ap-guangzhou-3")});
  std::int64_t ok_flow = h.scale_out();
  h.cloud->advance_clock(5 * 60'000);
  EXPECT_EQ(h.flow(ok_flow)["FlowTotalStatus"].as_int64(), 2);
  std::int64_t bad_flow = h.scale_out();
  h.cloud->advance_clock(5 * 60'000);
  auto f = h.flow(bad_flow);
  EXPECT_EQ(f["FlowTotalStatus"].as_int64(), -1);
  int failed = 0;
  for (auto& s : f["StageDetails"].as_array()) {
    if (s.as_object().at("Status").as_int64() != -1) continue;
    ++failed;
    EXPECT_EQ(s.as_object().at("FailedReason").as_string(), "CVM sold out in ap-guangzhou-3");
  }
  EXPECT_EQ(failed, 1);
  EXPECT_EQ(h.status(), 302);
  EXPECT_EQ(h.tasks(), 1u);  // the failed flow added nothing
}

TEST(CloudFaultsTest, BlockedFlowHoldsTheClusterInProcess) {
  Harness h({fault("*", 1, -3)});
  std::int64_t id = h.scale_out();
  h.cloud->advance_clock(60 * 60'000);
  EXPECT_EQ(h.flow(id)["FlowTotalStatus"].as_int64(), -3);
  EXPECT_EQ(h.status(), 4);
  auto again = h.call("ScaleOutInstance", {{"InstanceId", "emr-faults01"},
                                           {"PayMode", 0},
                                           {"TimeUnit", "s"},
                                           {"TimeSpan", 3600},
                                           {"TaskCount", 1}});
  EXPECT_EQ(again.error_code, "ResourceInUse.InstanceInProcess");
}

TEST(CloudFaultsTest, FinishedWithSkippedStageStillAppliesTheChange) {
  Harness h({fault("ScaleOutInstance", 1, 3)});
  std::int64_t id = h.scale_out();
  h.cloud->advance_clock(5 * 60'000);
  auto f = h.flow(id);
  EXPECT_EQ(f["FlowTotalStatus"].as_int64(), 3);
  int skipped = 0;
  for (auto& s : f["StageDetails"].as_array())
    skipped += s.as_object().at("Status").as_int64() == 3;
  EXPECT_EQ(skipped, 1);
  EXPECT_EQ(h.status(), 2);
  EXPECT_EQ(h.tasks(), 1u);
}

TEST(CloudFaultsTest, ProbabilityFaultsAreDeterministicForASeed) {
  auto outcomes = [](std::uint64_t seed) {
    FlowFault f = fault("*", 0, -1);
    f.probability = 0.5;
    Harness h({f}, seed);
    std::vector<std::int64_t> out;
    for (int i = 0; i < 12; ++i) {
      std::int64_t id = h.scale_out();
      h.cloud->advance_clock(5 * 60'000);
      out.push_back(h.flow(id)["FlowTotalStatus"].as_int64());
    }
    return out;
  };
  auto a = outcomes(7);
  EXPECT_EQ(a, outcomes(7));
  EXPECT_NE(std::count(a.begin(), a.end(), -1), 0);
  EXPECT_NE(std::count(a.begin(), a.end(), 2), 0);
}

TEST(CloudFaultsTest, FaultsMatchOnlyTheirAction) {
  Harness h({fault("TerminateTasks", 1, -1)});
  std::int64_t id = h.scale_out();
  h.cloud->advance_clock(5 * 60'000);
  EXPECT_EQ(h.flow(id)["FlowTotalStatus"].as_int64(), 2);
}

TEST(CloudFaultsTest, BadOutcomeIsASetUpError) {
  CloudOptions options;
  options.flow_faults = {fault("*", 1, 7)};
  EXPECT_THROW(make_cloud(options), std::runtime_error);
}

}  // namespace cloud_faults_test
}  // namespace tcplan::emulator
