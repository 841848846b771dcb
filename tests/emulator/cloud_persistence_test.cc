// State in SQLite: two Cloud objects on one file see each other's changes and one clock, a
// reopened Cloud keeps clusters, flows and tokens, and a fixture is applied only once.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <thread>

#include "emulator/cloud.h"
#include "tests/testing/process.h"

namespace tcplan::emulator {
namespace cloud_persistence_test {

namespace json = boost::json;

const char* kFixture = R"(
[[clusters]]
id = "emr-persist1"
name = "persist"
tags = { owner = "ops" }
[clusters.master]
count = 1
[clusters.core]
count = 2
[clusters.task]
count = 1

[[cvm_instances]]
id = "ins-bastion1"
name = "bastion"

[[ecm_instances]]
id = "ein-edge0001"
)";

ApiReply call(Cloud& cloud, const std::string& action, json::object params) {
  ApiCall c;
  c.service = "emr";
  c.action = action;
  c.version = "2019-01-03";
  c.region = "ap-guangzhou";
  c.params = std::move(params);
  return cloud.handle(c);
}

std::unique_ptr<Cloud> open(const testing::TempDir& dir, double scale = 1e-9) {
  CloudOptions options;
  options.state_file = dir / "state.db";
  options.fixture_file = dir / "fixture.toml";
  options.time_scale = scale;
  return make_cloud(options);
}

json::object scale_out(const std::string& token) {
  return {{"InstanceId", "emr-persist1"},
          {"PayMode", 0},
          {"TimeUnit", "s"},
          {"TimeSpan", 3600},
          {"TaskCount", 2},
          {"ClientToken", token}};
}

std::size_t tasks(Cloud& cloud) {
  return call(cloud, "DescribeClusterNodes", {{"InstanceId", "emr-persist1"}, {"NodeFlag", "task"}})
      .response["NodeList"]
      .as_array()
      .size();
}

TEST(CloudPersistenceTest, TwoCloudsOnOneFileShareStateAndClock) {
  testing::TempDir dir;
  testing::write_file(dir / "fixture.toml", kFixture);
  auto a = open(dir);
  auto b = open(dir);
  auto r = call(*a, "ScaleOutInstance", scale_out("shared-token"));
  ASSERT_TRUE(r.ok()) << r.error_code;
  // b sees the flow a started, and a replay through b is deduplicated.
  EXPECT_EQ(call(*b, "ScaleOutInstance", scale_out("other")).error_code,
            "ResourceInUse.InstanceInProcess");
  auto replay = call(*b, "ScaleOutInstance", scale_out("shared-token"));
  EXPECT_EQ(replay.response, r.response);
  a->advance_clock(5 * 60'000);
  EXPECT_NEAR(static_cast<double>(b->now_ms()), static_cast<double>(a->now_ms()), 5.0);
  EXPECT_EQ(tasks(*b), 3u);
}

TEST(CloudPersistenceTest, ConcurrentCallsFromTwoCloudsCreateEachResourceOnce) {
  testing::TempDir dir;
  testing::write_file(dir / "fixture.toml", kFixture);
  auto a = open(dir);
  auto b = open(dir);
  std::vector<ApiReply> replies(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back(
        [&, i] { replies[i] = call(i % 2 ? *a : *b, "ScaleOutInstance", scale_out("race")); });
  for (auto& t : threads)
    t.join();
  for (auto& r : replies) {
    ASSERT_TRUE(r.ok()) << r.error_code << " " << r.error_message;
    EXPECT_EQ(r.response, replies[0].response);
  }
  a->advance_clock(5 * 60'000);
  EXPECT_EQ(tasks(*a), 3u);
}

TEST(CloudPersistenceTest, ReopenedCloudKeepsStateAndDoesNotReapplyTheFixture) {
  testing::TempDir dir;
  testing::write_file(dir / "fixture.toml", kFixture);
  std::int64_t flow_id = 0;
  {
    auto a = open(dir);
    auto r = call(*a, "ScaleOutInstance", scale_out("keep"));
    ASSERT_TRUE(r.ok());
    flow_id = r.response["FlowId"].as_int64();
    ApiCall t;
    t.service = "cvm";
    t.action = "TerminateInstances";
    t.params = {{"InstanceIds", {"ins-bastion1"}}};
    ASSERT_TRUE(a->handle(t).ok());
    a->advance_clock(10 * 60'000);
  }
  auto b = open(dir);
  EXPECT_EQ(tasks(*b), 3u);
  auto f = call(*b, "DescribeClusterFlowStatusDetail",
                {{"InstanceId", "emr-persist1"},
                 {"FlowParam", {{"FKey", "FlowId"}, {"FValue", std::to_string(flow_id)}}}});
  EXPECT_EQ(f.response["FlowTotalStatus"].as_int64(), 2);
  auto state = b->state_json(b->now_ms()).as_object();
  EXPECT_EQ(state["Clusters"].as_array().size(), 1u);
  ASSERT_EQ(state["Instances"].as_array().size(), 2u);
  EXPECT_EQ(state["Instances"].as_array()[0].as_object().at("InstanceState").as_string(),
            "TERMINATED");
  EXPECT_EQ(state["ClientTokens"].as_array()[0].as_object().at("ResourcesCreated").as_int64(), 2);
  EXPECT_EQ(state["Flows"].as_array().size(), 1u);
}

TEST(CloudPersistenceTest, ReopeningWithAnotherTimeScaleKeepsTheClockContinuous) {
  testing::TempDir dir;
  testing::write_file(dir / "fixture.toml", kFixture);
  std::int64_t before = 0;
  {
    auto a = open(dir);
    a->advance_clock(3'600'000);
    before = a->now_ms();
  }
  auto b = open(dir, 1e-6);
  EXPECT_GE(b->now_ms(), before);
  EXPECT_LT(b->now_ms(), before + 60'000);
}

TEST(CloudPersistenceTest, InMemoryStateWorksWithoutAFile) {
  CloudOptions options;
  auto cloud = make_cloud(options);
  auto r = call(*cloud, "DescribeInstances", {{"DisplayStrategy", "clusterList"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.response["TotalCnt"].as_int64(), 0);
}

TEST(CloudPersistenceTest, BadFixtureIsASetUpErrorNamingTheEntry) {
  testing::TempDir dir;
  testing::write_file(dir / "bad.toml", "[[clusters]]\nid = \"emr-short\"\n");
  CloudOptions options;
  options.fixture_file = dir / "bad.toml";
  try {
    make_cloud(options);
    FAIL() << "expected a fixture error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("clusters[0]"), std::string::npos) << e.what();
  }
}

}  // namespace cloud_persistence_test
}  // namespace tcplan::emulator
