// The cloud model's dynamics, driven through Cloud::handle with an injected clock: a cluster
// is created (3 -> 2), scaled out (4, nodes at the end, FlowId + TraceId), restarted (8 -> 2),
// scaled in (16/15, nodes removed) and terminated (14 -> gone), and refuses mutations mid-flow.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>

#include "emulator/cloud.h"
#include "tests/testing/process.h"

namespace tcplan::emulator {
namespace cloud_lifecycle_test {

namespace json = boost::json;

constexpr std::int64_t kMinute = 60'000;

const char* kFixture = R"(
[[clusters]]
id = "emr-fixture1"
name = "etl-prod"
software = ["hdfs-3.2.2", "yarn-3.2.2", "zookeeper-3.6.3"]
tags = { team = "data" }
[clusters.master]
count = 1
instance_type = "S5.2XLARGE16"
[clusters.core]
count = 2
instance_type = "S5.2XLARGE16"
[clusters.task]
count = 2
instance_type = "S5.LARGE8"
)";

class CloudLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_file(dir_ / "fixture.toml", kFixture);
    CloudOptions options;
    options.state_file = dir_ / "state.db";
    options.fixture_file = dir_ / "fixture.toml";
    options.time_scale = 1e-9;  // the wall clock barely moves: tests move time with advance_clock
    cloud_ = make_cloud(options);
  }

  ApiReply call(const std::string& action, json::object params,
                const std::string& service = "emr") {
    ApiCall c;
    c.service = service;
    c.action = action;
    c.version = service == "emr" ? "2019-01-03" : service == "cvm" ? "2017-03-12" : "2019-07-19";
    c.region = "ap-guangzhou";
    c.params = std::move(params);
    c.request_id = "test";
    return cloud_->handle(c);
  }

  json::object ok(const std::string& action, json::object params) {
    ApiReply r = call(action, std::move(params));
    EXPECT_TRUE(r.ok()) << action << ": " << r.error_code << " " << r.error_message;
    return r.response;
  }

  std::int64_t status(const std::string& id) {
    auto r = ok("DescribeInstances", {{"DisplayStrategy", "clusterList"}, {"InstanceIds", {id}}});
    if (r["TotalCnt"].as_int64() == 0) return -1;
    return r["ClusterList"].as_array()[0].as_object().at("Status").as_int64();
  }

  json::array nodes(const std::string& id, const std::string& flag = "all") {
    auto r = ok("DescribeClusterNodes", {{"InstanceId", id}, {"NodeFlag", flag}});
    return r["NodeList"].as_array();
  }

  json::object flow(const std::string& id, std::int64_t flow_id) {
    return ok("DescribeClusterFlowStatusDetail",
              {{"InstanceId", id},
               {"FlowParam", {{"FKey", "FlowId"}, {"FValue", std::to_string(flow_id)}}}});
  }

  testing::TempDir dir_;
  std::unique_ptr<Cloud> cloud_;
};

json::object create_params() {
  return {{"ProductId", 44},
          {"Software", {"hdfs-3.2.2", "yarn-3.2.2"}},
          {"SupportHA", 0},
          {"InstanceName", "tcplan-test"},
          {"PayMode", 0},
          {"TimeSpan", 3600},
          {"TimeUnit", "s"},
          {"LoginSettings", {{"Password", "Tcplan2024ok"}}},
          {"Placement", {{"Zone", "ap-guangzhou-3"}, {"ProjectId", 0}}},
          {"ResourceSpec",
           {{"MasterCount", 1},
            {"CoreCount", 2},
            {"MasterResourceSpec",
             {{"Spec", "CVM.S5"},
              {"StorageType", 5},
              {"DiskType", "CLOUD_PREMIUM"},
              {"MemSize", 16384},
              {"Cpu", 8},
              {"DiskSize", 100}}},
            {"CoreResourceSpec",
             {{"Spec", "CVM.S5"},
              {"StorageType", 5},
              {"DiskType", "CLOUD_PREMIUM"},
              {"MemSize", 16384},
              {"Cpu", 8},
              {"DiskSize", 100}}}}},
          {"Tags", {{{"TagKey", "tcplan:run"}, {"TagValue", "r1"}}}}};
}

TEST_F(CloudLifecycleTest, CreateInstanceGoesFromCreatingToRunningAfterItsFlow) {
  auto r = ok("CreateInstance", create_params());
  std::string id(r["InstanceId"].as_string());
  EXPECT_EQ(id.rfind("emr-", 0), 0u);
  EXPECT_EQ(status(id), 3);
  EXPECT_EQ(nodes(id).size(), 3u);
  // monitorManage leaves out clusters being created.
  auto monitor =
      ok("DescribeInstances", {{"DisplayStrategy", "monitorManage"}, {"InstanceIds", {id}}});
  EXPECT_EQ(monitor["TotalCnt"].as_int64(), 0);
  cloud_->advance_clock(9 * kMinute);
  EXPECT_EQ(status(id), 3);
  cloud_->advance_clock(2 * kMinute);
  EXPECT_EQ(status(id), 2);
  auto info = ok("DescribeInstances", {{"DisplayStrategy", "clusterList"}, {"InstanceIds", {id}}});
  auto& cluster = info["ClusterList"].as_array()[0].as_object();
  EXPECT_EQ(cluster.at("ClusterName").as_string(), "tcplan-test");
  EXPECT_EQ(cluster.at("ZoneId").as_int64(), 100003);
  EXPECT_EQ(cluster.at("Config").as_object().at("CoreNodeSize").as_int64(), 2);
  EXPECT_EQ(cluster.at("Tags").as_array()[0].as_object().at("TagKey").as_string(), "tcplan:run");
}

TEST_F(CloudLifecycleTest, ScaleOutReturnsFlowAndTraceAndAddsNodesWhenTheFlowEnds) {
  auto r = ok("ScaleOutInstance",
              {{"InstanceId", "emr-fixture1"},
               {"PayMode", "0"},  // numbers as strings, as the vendor's examples send them
               {"TimeUnit", "s"},
               {"TimeSpan", "3600"},
               {"TaskCount", "3"},
               {"Tags", {{{"TagKey", "tcplan:step"}, {"TagValue", "grow"}}}}});
  ASSERT_TRUE(r["FlowId"].is_int64());
  ASSERT_TRUE(r["TraceId"].is_string());
  EXPECT_EQ(r["DealNames"].as_array().size(), 3u);
  std::int64_t flow_id = r["FlowId"].as_int64();
  EXPECT_EQ(status("emr-fixture1"), 4);
  EXPECT_EQ(nodes("emr-fixture1", "task").size(), 2u);

  auto f = flow("emr-fixture1", flow_id);
  EXPECT_EQ(f["FlowTotalStatus"].as_int64(), 0);  // initialising
  cloud_->advance_clock(150'000);
  f = flow("emr-fixture1", flow_id);
  EXPECT_EQ(f["FlowTotalStatus"].as_int64(), 1);
  EXPECT_GT(f["FlowTotalProgress"].as_double(), 0.4);
  EXPECT_LT(f["FlowTotalProgress"].as_double(), 0.6);
  auto& stages = f["StageDetails"].as_array();
  ASSERT_EQ(stages.size(), 4u);
  EXPECT_EQ(stages[0].as_object().at("Status").as_int64(), 2);
  EXPECT_EQ(stages[1].as_object().at("Status").as_int64(), 1);
  EXPECT_EQ(stages[3].as_object().at("Status").as_int64(), 0);
  EXPECT_TRUE(stages[3].as_object().at("Starttime").is_null());
  // The same flow by TraceId.
  auto by_trace = ok("DescribeClusterFlowStatusDetail",
                     {{"InstanceId", "emr-fixture1"},
                      {"FlowParam", {{"FKey", "TraceId"}, {"FValue", r["TraceId"]}}}});
  EXPECT_EQ(by_trace["FlowName"], f["FlowName"]);

  cloud_->advance_clock(151'000);
  f = flow("emr-fixture1", flow_id);
  EXPECT_EQ(f["FlowTotalStatus"].as_int64(), 2);
  EXPECT_EQ(f["FlowTotalProgress"].as_double(), 1.0);
  EXPECT_EQ(status("emr-fixture1"), 2);
  auto tasks = nodes("emr-fixture1", "task");
  ASSERT_EQ(tasks.size(), 5u);
  auto& added = tasks[4].as_object();
  EXPECT_EQ(added.at("Flag").as_int64(), 3);
  EXPECT_EQ(added.at("NameTag").as_string(), "task.4");
  bool tagged = false;
  for (auto& t : added.at("Tags").as_array())
    tagged |= t.as_object().at("TagKey") == "tcplan:step" && t.as_object().at("TagValue") == "grow";
  EXPECT_TRUE(tagged);
}

TEST_F(CloudLifecycleTest, MutatingCallsDuringAFlowGetInstanceInProcess) {
  ok("ScaleOutInstance", {{"InstanceId", "emr-fixture1"},
                          {"PayMode", 0},
                          {"TimeUnit", "s"},
                          {"TimeSpan", 3600},
                          {"CoreCount", 1}});
  auto again = call("ScaleOutInstance", {{"InstanceId", "emr-fixture1"},
                                         {"PayMode", 0},
                                         {"TimeUnit", "s"},
                                         {"TimeSpan", 3600},
                                         {"TaskCount", 1}});
  EXPECT_EQ(again.error_code, "ResourceInUse.InstanceInProcess");
  auto task_id =
      std::string(nodes("emr-fixture1", "task")[0].as_object().at("EmrResourceId").as_string());
  EXPECT_EQ(call("TerminateTasks", {{"InstanceId", "emr-fixture1"}, {"ResourceIds", {task_id}}})
                .error_code,
            "ResourceInUse.InstanceInProcess");
  EXPECT_EQ(call("TerminateInstance", {{"InstanceId", "emr-fixture1"}}).error_code,
            "ResourceInUse.InstanceInProcess");
  EXPECT_EQ(
      call("StartStopServiceOrMonitor",
           {{"InstanceId", "emr-fixture1"},
            {"OpType", "RestartService"},
            {"OpScope", {{"ServiceInfoList", {{{"ServiceName", "YARN"}}}}}},
            {"StrategyConfig",
             {{"RollingRestartSwitch", 0}, {"BatchSize", 1}, {"TimeWait", 0}, {"DealOnFail", 0}}}})
          .error_code,
      "ResourceInUse.InstanceInProcess");
  // Reads still work, and once the flow ends the cluster takes work again.
  EXPECT_EQ(status("emr-fixture1"), 4);
  cloud_->advance_clock(5 * kMinute);
  EXPECT_TRUE(
      call("TerminateTasks", {{"InstanceId", "emr-fixture1"}, {"ResourceIds", {task_id}}}).ok());
}

TEST_F(CloudLifecycleTest, RestartServiceGoesThroughStatusEight) {
  auto r = call(
      "StartStopServiceOrMonitor",
      {{"InstanceId", "emr-fixture1"},
       {"OpType", "RestartService"},
       {"OpScope", {{"ServiceInfoList", {{{"ServiceName", "YARN"}}}}}},
       {"StrategyConfig",
        {{"RollingRestartSwitch", 1}, {"BatchSize", 1}, {"TimeWait", 60}, {"DealOnFail", 0}}}});
  ASSERT_TRUE(r.ok()) << r.error_code;
  EXPECT_TRUE(r.response.empty());  // RequestId only
  EXPECT_EQ(status("emr-fixture1"), 8);
  cloud_->advance_clock(2 * kMinute);
  EXPECT_EQ(status("emr-fixture1"), 2);
}

TEST_F(CloudLifecycleTest, TerminateTasksRemovesTheNodesWhenTheFlowEnds) {
  auto tasks = nodes("emr-fixture1", "task");
  std::string a(tasks[0].as_object().at("EmrResourceId").as_string());
  ok("TerminateTasks", {{"InstanceId", "emr-fixture1"}, {"ResourceIds", {a}}});
  EXPECT_EQ(status("emr-fixture1"), 16);
  EXPECT_EQ(nodes("emr-fixture1", "task").size(), 2u);
  cloud_->advance_clock(3 * kMinute);
  EXPECT_EQ(status("emr-fixture1"), 2);
  auto left = nodes("emr-fixture1", "task");
  ASSERT_EQ(left.size(), 1u);
  EXPECT_NE(left[0].as_object().at("EmrResourceId").as_string(), a);
  // Sending it again after it is gone is refused, not silently accepted.
  EXPECT_EQ(
      call("TerminateTasks", {{"InstanceId", "emr-fixture1"}, {"ResourceIds", {a}}}).error_code,
      "InvalidParameter.InvalidResourceIds");
}

TEST_F(CloudLifecycleTest, TerminateClusterNodesTakesCvmIdsAndReturnsAFlow) {
  auto cores = nodes("emr-fixture1", "core");
  std::string cvm(cores[1].as_object().at("OrderNo").as_string());
  auto r = ok("TerminateClusterNodes", {{"InstanceId", "emr-fixture1"},
                                        {"CvmInstanceIds", {cvm}},
                                        {"NodeFlag", "CORE"},
                                        {"GraceDownFlag", true},
                                        {"GraceDownTime", 120}});
  ASSERT_TRUE(r["FlowId"].is_int64());
  EXPECT_EQ(status("emr-fixture1"), 15);
  cloud_->advance_clock(3 * kMinute);  // graceful scale-in adds GraceDownTime
  EXPECT_EQ(status("emr-fixture1"), 15);
  cloud_->advance_clock(2 * kMinute);
  EXPECT_EQ(status("emr-fixture1"), 2);
  EXPECT_EQ(flow("emr-fixture1", r["FlowId"].as_int64())["FlowTotalStatus"].as_int64(), 2);
  EXPECT_EQ(nodes("emr-fixture1", "core").size(), 1u);
}

TEST_F(CloudLifecycleTest, TerminateInstanceGoesThroughFourteenThenTheClusterIsGone) {
  auto r = call("TerminateInstance", {{"InstanceId", "emr-fixture1"}});
  ASSERT_TRUE(r.ok()) << r.error_code;
  EXPECT_EQ(status("emr-fixture1"), 14);
  cloud_->advance_clock(2 * kMinute);
  EXPECT_EQ(status("emr-fixture1"), -1);  // no longer listed
  EXPECT_EQ(call("DescribeClusterNodes", {{"InstanceId", "emr-fixture1"}, {"NodeFlag", "all"}})
                .error_code,
            "ResourceNotFound.InstanceNotFound");
  EXPECT_EQ(call("TerminateInstance", {{"InstanceId", "emr-fixture1"}}).error_code,
            "ResourceNotFound.InstanceNotFound");
  auto all = ok("DescribeInstances", {{"DisplayStrategy", "clusterList"}, {"ProjectId", -1}});
  EXPECT_EQ(all["TotalCnt"].as_int64(), 0);
}

}  // namespace cloud_lifecycle_test
}  // namespace tcplan::emulator
