// The documented business errors each action returns when the state calls for them, and the
// CVM/ECM instance actions (terminate, then watch the instance go in DescribeInstances).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>

#include "emulator/cloud.h"
#include "tests/testing/process.h"

namespace tcplan::emulator {
namespace cloud_errors_test {

namespace json = boost::json;

const char* kFixture = R"(
[[clusters]]
id = "emr-errors01"
software = ["hadoop-2.8.4", "zookeeper-3.4.9"]
[clusters.master]
count = 1
[clusters.core]
count = 2
[clusters.task]
count = 1

[[cvm_instances]]
id = "ins-plain001"
tags = { "tcplan:run" = "r1" }

[[ecm_instances]]
id = "ein-edge0001"
)";

class CloudErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_file(dir_ / "fixture.toml", kFixture);
    CloudOptions options;
    options.fixture_file = dir_ / "fixture.toml";
    options.time_scale = 1e-9;
    cloud_ = make_cloud(options);
  }
  ApiReply call(const std::string& action, json::object params,
                const std::string& service = "emr") {
    ApiCall c;
    c.service = service;
    c.action = action;
    c.region = "ap-guangzhou";
    c.params = std::move(params);
    return cloud_->handle(c);
  }
  std::string code(const std::string& action, json::object params,
                   const std::string& service = "emr") {
    return call(action, std::move(params), service).error_code;
  }
  std::string node(const std::string& flag, const char* field) {
    auto r = call("DescribeClusterNodes", {{"InstanceId", "emr-errors01"}, {"NodeFlag", flag}});
    return std::string(r.response["NodeList"].as_array()[0].as_object().at(field).as_string());
  }
  testing::TempDir dir_;
  std::unique_ptr<Cloud> cloud_;
};

TEST_F(CloudErrorsTest, DescribeInstancesChecksStrategyOrderAndIds) {
  EXPECT_EQ(code("DescribeInstances", {{"DisplayStrategy", "all"}}),
            "InvalidParameter.DisplayStrategyNotMatch");
  EXPECT_EQ(code("DescribeInstances", {{"DisplayStrategy", "clusterList"}, {"OrderField", "name"}}),
            "InvalidParameter.OrderFieldNotMatch");
  EXPECT_EQ(
      code("DescribeInstances", {{"DisplayStrategy", "clusterList"}, {"InstanceIds", {"emr-1"}}}),
      "InvalidParameter.InvalidClusterId");
  auto r =
      call("DescribeInstances", {{"DisplayStrategy", "clusterList"}, {"OrderField", "clusterid"}});
  ASSERT_TRUE(r.ok());  // the vendor's own example spells it "clusterid"
  EXPECT_EQ(r.response["TotalCnt"].as_int64(), 1);
  auto other = call("DescribeInstances", {{"DisplayStrategy", "clusterList"}, {"ProjectId", 7}});
  EXPECT_EQ(other.response["TotalCnt"].as_int64(), 0);
  auto list = call("DescribeInstancesList", {{"DisplayStrategy", "clusterList"}});
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list.response["InstancesList"].as_array()[0].as_object().at("ClusterId").as_string(),
            "emr-errors01");
}

TEST_F(CloudErrorsTest, UnknownClustersAndNodesGetTheirCodes) {
  EXPECT_EQ(code("DescribeClusterNodes", {{"InstanceId", "emr-zzzzzzzz"}, {"NodeFlag", "all"}}),
            "ResourceNotFound.InstanceNotFound");
  EXPECT_EQ(code("DescribeClusterNodes", {{"InstanceId", "emr-errors01"}, {"NodeFlag", "gpu"}}),
            "InvalidParameter.InvalidNodeType");
  EXPECT_EQ(code("TerminateTasks",
                 {{"InstanceId", "emr-errors01"}, {"ResourceIds", {"emr-vm-zzzzzzzz"}}}),
            "InvalidParameter.InvalidResourceIds");
  // A core node is not a task node.
  EXPECT_EQ(code("TerminateTasks", {{"InstanceId", "emr-errors01"},
                                    {"ResourceIds", {node("core", "EmrResourceId")}}}),
            "InvalidParameter.InvalidResourceIds");
  EXPECT_EQ(code("TerminateClusterNodes", {{"InstanceId", "emr-errors01"},
                                           {"CvmInstanceIds", {"ins-zzzzzzzz"}},
                                           {"NodeFlag", "TASK"}}),
            "ResourceNotFound.CvmInstanceNotFound");
  EXPECT_EQ(code("TerminateClusterNodes", {{"InstanceId", "emr-errors01"},
                                           {"CvmInstanceIds", {node("task", "OrderNo")}},
                                           {"NodeFlag", "task"}}),
            "InvalidParameter.InvalidNodeFlag");
  EXPECT_EQ(code("TerminateClusterNodes", {{"InstanceId", "emr-errors01"},
                                           {"CvmInstanceIds", {node("task", "OrderNo")}},
                                           {"NodeFlag", "CORE"}}),
            "InvalidParameter.InvalidResourceIds");
  EXPECT_EQ(code("TerminateClusterNodes", {{"InstanceId", "emr-errors01"},
                                           {"CvmInstanceIds", {node("master", "OrderNo")}},
                                           {"NodeFlag", "MASTER"}}),
            "InvalidParameter.InvalidResourceIds");
  EXPECT_EQ(code("TerminateInstance", {{"InstanceId", "emr-bad"}}),
            "InvalidParameter.InvalidClusterId");
  EXPECT_EQ(
      code("DescribeClusterFlowStatusDetail",
           {{"InstanceId", "emr-errors01"}, {"FlowParam", {{"FKey", "FlowId"}, {"FValue", "99"}}}}),
      "InvalidParameter.InvalidJobFlow");
}

TEST_F(CloudErrorsTest, ScaleOutChecksCountsAndNodeFlags) {
  json::object p{
      {"InstanceId", "emr-errors01"}, {"PayMode", 0}, {"TimeUnit", "s"}, {"TimeSpan", 3600}};
  EXPECT_EQ(code("ScaleOutInstance", p), "InvalidParameter.InvalidCount");
  p["TaskCount"] = 21;
  EXPECT_EQ(code("ScaleOutInstance", p), "InvalidParameter.InvalidTaskCount");
  p["TaskCount"] = 1;
  p["CoreCount"] = 1;
  EXPECT_EQ(code("ScaleOutInstance", p), "InvalidParameter.InvalidCountNum");
  json::object c{{"InstanceId", "emr-errors01"},
                 {"InstanceChargeType", "SPOTPAID"},
                 {"ScaleOutNodeConfig", {{"NodeFlag", "CORE"}, {"NodeCount", 1}}}};
  EXPECT_EQ(code("ScaleOutCluster", c), "InvalidParameter.InvalidInstanceChargeType");
  c["ScaleOutNodeConfig"] = {{"NodeFlag", "GPU"}, {"NodeCount", 1}};
  EXPECT_EQ(code("ScaleOutCluster", c), "InvalidParameter.InvalidNodeFlag");
  c["InstanceChargeType"] = "POSTPAID_BY_HOUR";
  c["ScaleOutNodeConfig"] = {{"NodeFlag", "TASK"}, {"NodeCount", 2}};
  c["ResourceSpec"] = {{"InstanceType", "NOPE.BIG"}, {"SystemDisk", json::array{}}};
  EXPECT_EQ(code("ScaleOutCluster", c), "InvalidParameter.InvalidInstanceType");
  c.erase("ResourceSpec");
  auto r = call("ScaleOutCluster", c);
  ASSERT_TRUE(r.ok()) << r.error_code;
  EXPECT_TRUE(r.response["FlowId"].is_int64());
  EXPECT_TRUE(r.response["TraceId"].is_string());
}

TEST_F(CloudErrorsTest, CreateChecksNamePasswordAndCounts) {
  json::object p{{"ProductId", 44}, {"Software", {"hdfs"}},
                 {"SupportHA", 0},  {"InstanceName", "ok-name"},
                 {"PayMode", 0},    {"TimeSpan", 3600},
                 {"TimeUnit", "s"}, {"LoginSettings", {{"Password", "Tcplan2024ok"}}}};
  p["ProductId"] = 4;
  EXPECT_EQ(code("CreateInstance", p), "InvalidParameter.InvalidProductId");
  p["ProductId"] = 44;
  p["InstanceName"] = "emr test";
  EXPECT_EQ(code("CreateInstance", p), "InvalidParameter.InvalidInstanceName");
  p["InstanceName"] = "ok-name";
  p["LoginSettings"] = {{"Password", "short"}};
  EXPECT_EQ(code("CreateInstance", p), "InvalidParameter.InvalidPassword");
  p["LoginSettings"] = {{"Password", "Tcplan2024ok"}};
  p["ResourceSpec"] = {{"MasterCount", 2}};
  EXPECT_EQ(code("CreateInstance", p), "InvalidParameter.IncorrectMasterCount");
  p["ResourceSpec"] = {{"CoreCount", 1}};
  EXPECT_EQ(code("CreateInstance", p), "InvalidParameter.InvalidCoreCount");
  p.erase("ResourceSpec");
  p["Placement"] = {{"Zone", "ap-shanghai-2"}};
  EXPECT_EQ(code("CreateInstance", p), "InvalidParameter.InvalidZone");
  p.erase("Placement");
  EXPECT_TRUE(call("CreateInstance", p).ok());
}

TEST_F(CloudErrorsTest, ServicesAndSchedulerChecks) {
  json::object p{{"InstanceId", "emr-errors01"},
                 {"OpType", "RestartService"},
                 {"OpScope", {{"ServiceInfoList", {{{"ServiceName", "YARN"}}}}}}};
  EXPECT_EQ(code("StartStopServiceOrMonitor", p), "MissingParameter");
  p["StrategyConfig"] = {
      {"RollingRestartSwitch", 0}, {"BatchSize", 1}, {"TimeWait", 0}, {"DealOnFail", 0}};
  p["OpScope"] = {{"ServiceInfoList", {{{"ServiceName", "KAFKA"}}}}};
  EXPECT_EQ(code("StartStopServiceOrMonitor", p), "UnsupportedOperation.ServiceNotSupport");
  auto s = call("DescribeResourceSchedule", {{"InstanceId", "emr-errors01"}});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.response["Scheduler"].as_string(), "capacity");
  EXPECT_EQ(code("ModifyResourceScheduler",
                 {{"InstanceId", "emr-errors01"}, {"OldValue", "fair"}, {"NewValue", "capacity"}}),
            "InvalidParameter");
  EXPECT_TRUE(call("ModifyResourceScheduler",
                   {{"InstanceId", "emr-errors01"}, {"OldValue", "capacity"}, {"NewValue", "fair"}})
                  .ok());
  EXPECT_EQ(call("DescribeResourceSchedule", {{"InstanceId", "emr-errors01"}})
                .response["Scheduler"]
                .as_string(),
            "fair");
  EXPECT_EQ(code("ModifyResourceScheduleConfig",
                 {{"InstanceId", "emr-errors01"}, {"Key", "fair"}, {"Value", "{nope"}}),
            "InvalidParameter");
  auto m = call("ModifyResourceScheduleConfig",
                {{"InstanceId", "emr-errors01"}, {"Key", "fair"}, {"Value", R"({"queues":[]})"}});
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m.response["IsDraft"].is_bool());
  EXPECT_EQ(call("DescribeResourceSchedule", {{"InstanceId", "emr-errors01"}})
                .response["FSInfo"]
                .as_string(),
            R"({"queues":[]})");
}

TEST_F(CloudErrorsTest, CvmTerminateRefusesEmrNodesAndHidesTerminatedInstances) {
  EXPECT_EQ(code("TerminateInstances", {{"InstanceIds", {node("core", "OrderNo")}}}, "cvm"),
            "FailedOperation.InvalidInstanceApplicationRoleEmr");
  EXPECT_EQ(code("TerminateInstances", {{"InstanceIds", {"ins-1122"}}}, "cvm"),
            "InvalidInstanceId.Malformed");
  EXPECT_EQ(code("TerminateInstances", {{"InstanceIds", {"ins-zzzzzzzz"}}}, "cvm"),
            "InvalidInstanceId.NotFound");
  auto tagged = call("DescribeInstances",
                     {{"Filters", {{{"Name", "tag:tcplan:run"}, {"Values", {"r1"}}}}}}, "cvm");
  ASSERT_TRUE(tagged.ok()) << tagged.error_code;
  EXPECT_EQ(tagged.response["TotalCount"].as_int64(), 1);
  auto all = call("DescribeInstances", {}, "cvm");
  EXPECT_EQ(all.response["TotalCount"].as_int64(), 5);  // the plain one and the 4 EMR nodes
  ASSERT_TRUE(call("TerminateInstances", {{"InstanceIds", {"ins-plain001"}}}, "cvm").ok());
  auto during = call("DescribeInstances", {{"InstanceIds", {"ins-plain001"}}}, "cvm");
  EXPECT_EQ(
      during.response["InstanceSet"].as_array()[0].as_object().at("InstanceState").as_string(),
      "TERMINATING");
  EXPECT_EQ(code("TerminateInstances", {{"InstanceIds", {"ins-plain001"}}}, "cvm"),
            "UnsupportedOperation.InstanceStateTerminating");
  cloud_->advance_clock(60'000);
  EXPECT_EQ(call("DescribeInstances", {{"InstanceIds", {"ins-plain001"}}}, "cvm")
                .response["TotalCount"]
                .as_int64(),
            0);
}

TEST_F(CloudErrorsTest, EcmTerminateChecksIdsAndScheduledTime) {
  EXPECT_EQ(code("TerminateInstances", {{"InstanceIdSet", {"ins-plain001"}}}, "ecm"),
            "InvalidParameterValue.InvalidInstanceID");
  EXPECT_EQ(code("TerminateInstances", {{"InstanceIdSet", {"ein-zzzzzzzz"}}}, "ecm"),
            "ResourceNotFound.InstanceNotExist");
  EXPECT_EQ(code("TerminateInstances",
                 {{"InstanceIdSet", {"ein-edge0001"}},
                  {"TerminateDelay", true},
                  {"TerminateTime", "2001-01-01 00:00:00"}},
                 "ecm"),
            "InvalidParameterValue.TerminateTimeSmaller");
  EXPECT_EQ(code("TerminateInstances",
                 {{"InstanceIdSet", {"ein-edge0001"}},
                  {"TerminateDelay", true},
                  {"TerminateTime", "tomorrow"}},
                 "ecm"),
            "InvalidParameterValue.InvalidTime");
  ASSERT_TRUE(call("TerminateInstances", {{"InstanceIdSet", {"ein-edge0001"}}}, "ecm").ok());
  cloud_->advance_clock(60'000);
  EXPECT_EQ(call("DescribeInstances", {}, "ecm").response["TotalCount"].as_int64(), 0);
}

}  // namespace cloud_errors_test
}  // namespace tcplan::emulator
