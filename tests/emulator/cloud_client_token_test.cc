// ClientToken semantics of the cloud model: a replay within 5 minutes returns the first result
// and creates nothing; other parameters with the same token are refused; after 5 minutes of
// emulator time the token is forgotten; /_emulator/state counts what each token created.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>

#include "emulator/cloud.h"
#include "tests/testing/process.h"

namespace tcplan::emulator {
namespace cloud_client_token_test {

namespace json = boost::json;

const char* kFixture = R"(
[[clusters]]
id = "emr-token001"
[clusters.master]
count = 1
[clusters.core]
count = 2
)";

class CloudClientTokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_file(dir_ / "fixture.toml", kFixture);
    CloudOptions options;
    options.state_file = dir_ / "state.db";
    options.fixture_file = dir_ / "fixture.toml";
    options.time_scale = 1e-9;
    cloud_ = make_cloud(options);
  }

  ApiReply call(const std::string& action, json::object params) {
    ApiCall c;
    c.service = "emr";
    c.action = action;
    c.version = "2019-01-03";
    c.region = "ap-guangzhou";
    c.params = std::move(params);
    return cloud_->handle(c);
  }

  std::size_t task_nodes() {
    auto r = call("DescribeClusterNodes", {{"InstanceId", "emr-token001"}, {"NodeFlag", "task"}});
    return r.response["NodeList"].as_array().size();
  }

  std::size_t clusters() {
    auto r = call("DescribeInstances",
                  {{"DisplayStrategy", "clusterList"}, {"ProjectId", -1}, {"Limit", 100}});
    return static_cast<std::size_t>(r.response["TotalCnt"].as_int64());
  }

  json::object token_entry(const std::string& token) {
    auto state = cloud_->state_json(cloud_->now_ms()).as_object();
    for (auto& t : state["ClientTokens"].as_array())
      if (t.as_object().at("ClientToken") == json::value(token)) return t.as_object();
    return {};
  }

  testing::TempDir dir_;
  std::unique_ptr<Cloud> cloud_;
};

json::object scale_out(const std::string& token, int count = 2) {
  return {
      {"InstanceId", "emr-token001"}, {"PayMode", 0},        {"TimeUnit", "s"}, {"TimeSpan", 3600},
      {"TaskCount", count},           {"ClientToken", token}};
}

json::object create(const std::string& token, const std::string& name = "token-test") {
  return {
      {"ProductVersion", "EMR-V3.5.0"},
      {"EnableSupportHAFlag", false},
      {"InstanceName", name},
      {"InstanceChargeType", "POSTPAID_BY_HOUR"},
      {"LoginSettings", {{"Password", "Tcplan2024ok"}}},
      {"SceneSoftwareConfig",
       {{"SceneName", "Hadoop-Default"}, {"Software", {"hdfs-3.2.2", "yarn-3.2.2"}}}},
      {"ClientToken", token},
      {"ZoneResourceConfiguration",
       {{{"Placement", {{"Zone", "ap-guangzhou-3"}}},
         {"AllNodeResourceSpec",
          {{"MasterCount", 1},
           {"CoreCount", 2},
           {"MasterResourceSpec",
            {{"InstanceType", "S5.2XLARGE16"},
             {"SystemDisk", {{{"Count", 1}, {"DiskType", "CLOUD_PREMIUM"}, {"DiskSize", 50}}}}}},
           {"CoreResourceSpec",
            {{"InstanceType", "S5.2XLARGE16"},
             {"SystemDisk", {{{"Count", 1}, {"DiskType", "CLOUD_PREMIUM"}, {"DiskSize", 50}}}},
             {"DataDisk", {{{"Count", 1}, {"DiskType", "CLOUD_HSSD"}, {"DiskSize", 200}}}}}}}}}}}};
}

TEST_F(CloudClientTokenTest, ReplayWithinFiveMinutesReturnsTheSameResultAndCreatesNothing) {
  auto first = call("ScaleOutInstance", scale_out("a9a90aa6-751a-41b6-aad6-fae360632808"));
  ASSERT_TRUE(first.ok()) << first.error_code;
  cloud_->advance_clock(4 * 60'000);
  auto again = call("ScaleOutInstance", scale_out("a9a90aa6-751a-41b6-aad6-fae360632808"));
  ASSERT_TRUE(again.ok()) << again.error_code << " " << again.error_message;
  EXPECT_EQ(again.response, first.response);
  cloud_->advance_clock(2 * 60'000);  // the (single) flow ends
  EXPECT_EQ(task_nodes(), 2u);
  auto entry = token_entry("a9a90aa6-751a-41b6-aad6-fae360632808");
  EXPECT_EQ(entry["Calls"].as_int64(), 2);
  EXPECT_EQ(entry["ResourcesCreated"].as_int64(), 2);
}

TEST_F(CloudClientTokenTest, ReplayIsAnsweredEvenWhileTheClusterIsBusy) {
  // The first call put the cluster in a flow; a retry of it must not get InstanceInProcess.
  ASSERT_TRUE(call("ScaleOutInstance", scale_out("tok-busy")).ok());
  EXPECT_TRUE(call("ScaleOutInstance", scale_out("tok-busy")).ok());
}

TEST_F(CloudClientTokenTest, SameTokenWithOtherParametersIsInvalidClientToken) {
  ASSERT_TRUE(call("ScaleOutInstance", scale_out("tok-1")).ok());
  auto other = call("ScaleOutInstance", scale_out("tok-1", 3));
  EXPECT_EQ(other.error_code, "InvalidParameter.InvalidClientToken");
  auto other_action = call("CreateCluster", create("tok-1"));
  EXPECT_EQ(other_action.error_code, "InvalidParameter.InvalidClientToken");
}

TEST_F(CloudClientTokenTest, AfterFiveMinutesTheTokenIsForgottenAndACallCreatesAgain) {
  auto first = call("CreateCluster", create("tok-create"));
  ASSERT_TRUE(first.ok()) << first.error_code << " " << first.error_message;
  EXPECT_EQ(clusters(), 2u);
  cloud_->advance_clock(5 * 60'000);
  auto later = call("CreateCluster", create("tok-create"));
  ASSERT_TRUE(later.ok()) << later.error_code;
  EXPECT_NE(later.response["InstanceId"], first.response["InstanceId"]);
  EXPECT_EQ(clusters(), 3u);
  EXPECT_EQ(token_entry("tok-create")["ResourcesCreated"].as_int64(), 2);
}

TEST_F(CloudClientTokenTest, MalformedTokenIsRefused) {
  EXPECT_EQ(call("ScaleOutInstance", scale_out(std::string(65, 'a'))).error_code,
            "InvalidParameter.InvalidClientToken");
  EXPECT_EQ(call("ScaleOutInstance", scale_out("has space")).error_code,
            "InvalidParameter.InvalidClientToken");
}

TEST_F(CloudClientTokenTest, AFailedCallIsNotRememberedSoItsRetryRunsAgain) {
  json::object bad = scale_out("tok-retry");
  bad["PayMode"] = 0;
  bad["TimeSpan"] = 60;  // InvalidTimeSpan
  EXPECT_EQ(call("ScaleOutInstance", bad).error_code, "InvalidParameter.InvalidTimeSpan");
  EXPECT_TRUE(call("ScaleOutInstance", scale_out("tok-retry")).ok());
}

TEST_F(CloudClientTokenTest, EmptyTokenMeansNoToken) {
  ASSERT_TRUE(call("ScaleOutInstance", scale_out("")).ok());
  cloud_->advance_clock(5 * 60'000);
  ASSERT_TRUE(call("ScaleOutInstance", scale_out("")).ok());
  cloud_->advance_clock(5 * 60'000);
  EXPECT_EQ(task_nodes(), 4u);
}

}  // namespace cloud_client_token_test
}  // namespace tcplan::emulator
