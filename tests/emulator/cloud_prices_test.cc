// Prices: the published formula (prices.h) gives known numbers, and each InquiryPrice* action
// answers in its documented shape (floats, but strings for InquiryPriceScaleOutInstance).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>

#include "emulator/cloud.h"
#include "emulator/cloud/prices.h"
#include "tests/testing/process.h"

namespace tcplan::emulator {
namespace cloud_prices_test {

namespace json = boost::json;

const char* kFixture = R"(
[[clusters]]
id = "emr-prices01"
[clusters.master]
count = 1
instance_type = "S5.2XLARGE16"
[clusters.core]
count = 2
instance_type = "S5.2XLARGE16"
disk_type = "CLOUD_SSD"
disk_size = 200
[clusters.task]
count = 1
instance_type = "SA2.LARGE8"
)";

class CloudPricesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_file(dir_ / "fixture.toml", kFixture);
    CloudOptions options;
    options.fixture_file = dir_ / "fixture.toml";
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
  testing::TempDir dir_;
  std::unique_ptr<Cloud> cloud_;
};

cloud::NodeSpec spec(const std::string& type, const std::string& disk = "CLOUD_PREMIUM",
                     int disk_gb = 100) {
  cloud::NodeSpec s;
  s.instance_type = type;
  s.disk_type = disk;
  s.disk_gb = disk_gb;
  return s;
}

TEST(CloudPriceFormulaTest, FormulaGivesTheDocumentedNumbers) {
  // S5.2XLARGE16: 0.95 x (0.11 x 8 + 0.03 x 16) + 0.10 = 1.392 CNY/h; disks 50 GB + 100 GB premium
  // at 0.35/GB/month -> 52.5 / 720 = 0.0729.
  auto h = cloud::node_hourly(spec("S5.2XLARGE16"));
  ASSERT_TRUE(h.ok());
  EXPECT_NEAR(h->node, 1.392, 1e-9);
  EXPECT_NEAR(h->root_disk + h->data_disk, 52.5 / 720, 1e-9);
  auto q = cloud::quote({{spec("S5.2XLARGE16"), 2}}, 0, 3600);
  ASSERT_TRUE(q.ok());
  EXPECT_DOUBLE_EQ(q->original, 2.93);  // 2 x 1.46492
  EXPECT_DOUBLE_EQ(q->discount, 2.34);
  auto month = cloud::quote({{spec("S5.2XLARGE16"), 1}}, 1, 1);
  EXPECT_DOUBLE_EQ(month->original, 1054.74);  // 1.464917 x 720
  EXPECT_FALSE(cloud::node_hourly(spec("ZZ9.HUGE1")).ok());
  EXPECT_EQ(cloud::node_hourly(spec("S5.LARGE8", "FLOPPY")).error(),
            "InvalidParameter.InvalidResourceSpec");
}

TEST_F(CloudPricesTest, ScaleOutPriceIsStringsAndMatchesTheFormula) {
  auto r = call("InquiryPriceScaleOutInstance", {{"TimeUnit", "s"},
                                                 {"TimeSpan", 3600},
                                                 {"ZoneId", 100003},
                                                 {"PayMode", 0},
                                                 {"InstanceId", "emr-prices01"},
                                                 {"CoreCount", 2},
                                                 {"TaskCount", 0},
                                                 {"Currency", "CNY"}});
  ASSERT_TRUE(r.ok()) << r.error_code << " " << r.error_message;
  ASSERT_TRUE(r.response["OriginalCost"].is_string());
  ASSERT_TRUE(r.response["DiscountCost"].is_string());
  auto q = cloud::quote({{spec("S5.2XLARGE16", "CLOUD_SSD", 200), 2}}, 0, 3600);
  EXPECT_EQ(r.response["OriginalCost"].as_string(), cloud::cny_string(q->original));
  EXPECT_EQ(r.response["DiscountCost"].as_string(), cloud::cny_string(q->discount));
  EXPECT_EQ(r.response["Unit"].as_string(), "s");
  EXPECT_EQ(r.response["PriceSpec"].as_object().at("Spec").as_string(), "S5.2XLARGE16");
  EXPECT_EQ(r.response["MultipleEmrPrice"].as_array().size(), 1u);
}

TEST_F(CloudPricesTest, CreatePriceIsFloatsWithPartsPerNodeType) {
  json::object resource{{"Spec", "CVM.S5"}, {"StorageType", 5}, {"DiskType", "CLOUD_PREMIUM"},
                        {"MemSize", 16384}, {"Cpu", 8},         {"DiskSize", 100},
                        {"RootSize", 50}};
  auto r = call("InquiryPriceCreateInstance",
                {{"TimeUnit", "m"},
                 {"TimeSpan", 1},
                 {"Currency", "CNY"},
                 {"PayMode", 1},
                 {"SupportHA", 0},
                 {"Software", {"hdfs-3.2.2"}},
                 {"Placement", {{"Zone", "ap-guangzhou-3"}, {"ProjectId", 0}}},
                 {"ResourceSpec",
                  {{"MasterCount", 1},
                   {"CoreCount", 2},
                   {"MasterResourceSpec", resource},
                   {"CoreResourceSpec", resource}}}});
  ASSERT_TRUE(r.ok()) << r.error_code << " " << r.error_message;
  ASSERT_TRUE(r.response["OriginalCost"].is_double());
  EXPECT_DOUBLE_EQ(r.response["OriginalCost"].as_double(), 3 * 1054.74);
  EXPECT_DOUBLE_EQ(r.response["DiscountCost"].as_double(), cloud::round_cny(3 * 1054.74 * 0.8));
  EXPECT_EQ(r.response["TimeUnit"].as_string(), "m");
  auto& zone = r.response["PriceList"].as_array()[0].as_object();
  EXPECT_EQ(zone.at("ZoneId").as_string(), "100003");
  auto& nodes = zone.at("NodeDetailPrice").as_array();
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[1].as_object().at("NodeType").as_string(), "core");
  auto& parts = nodes[1].as_object().at("PartDetailPrice").as_array();
  EXPECT_EQ(parts[0].as_object().at("GoodsNum").as_int64(), 2);
  EXPECT_EQ(parts[0].as_object().at("InstanceType").as_string(), "node");
}

TEST_F(CloudPricesTest, RenewAndUpdatePricesUseTheNodes) {
  auto nodes = call("DescribeClusterNodes", {{"InstanceId", "emr-prices01"}, {"NodeFlag", "task"}});
  std::string task(
      nodes.response["NodeList"].as_array()[0].as_object().at("EmrResourceId").as_string());
  auto renew = call("InquiryPriceRenewInstance", {{"TimeSpan", 2},
                                                  {"ResourceIds", {task}},
                                                  {"PayMode", 1},
                                                  {"TimeUnit", "m"},
                                                  {"Currency", "CNY"},
                                                  {"Placement", {{"Zone", "ap-guangzhou-3"}}}});
  ASSERT_TRUE(renew.ok()) << renew.error_code;
  auto expected = cloud::quote({{spec("SA2.LARGE8"), 1}}, 1, 2);
  EXPECT_DOUBLE_EQ(renew.response["OriginalCost"].as_double(), expected->original);
  EXPECT_EQ(
      call("InquiryPriceRenewInstance", {{"TimeSpan", 1}, {"ResourceIds", {task}}, {"PayMode", 0}})
          .error_code,
      "InvalidParameter.PayModeResourceNotMatch");

  auto update = call("InquiryPriceUpdateInstance",
                     {{"TimeUnit", "s"},
                      {"TimeSpan", 3600},
                      {"PayMode", 0},
                      {"Currency", "CNY"},
                      {"Placement", {{"Zone", "ap-guangzhou-3"}}},
                      {"UpdateSpec", {{"ResourceId", task}, {"CPUCores", 8}, {"Memory", 16}}}});
  ASSERT_TRUE(update.ok()) << update.error_code << " " << update.error_message;
  EXPECT_GT(update.response["OriginalCost"].as_double(), 0);
  EXPECT_EQ(update.response["PriceDetail"].as_array()[0].as_object().at("ResourceId").as_string(),
            task);
}

TEST_F(CloudPricesTest, BillingMismatchesAreRefusedWithTheirCodes) {
  json::object p{{"TimeUnit", "m"},
                 {"TimeSpan", 3600},
                 {"ZoneId", 100003},
                 {"PayMode", 0},
                 {"InstanceId", "emr-prices01"},
                 {"CoreCount", 1},
                 {"TaskCount", 0},
                 {"Currency", "CNY"}};
  EXPECT_EQ(call("InquiryPriceScaleOutInstance", p).error_code, "InvalidParameter.InvalidTimeUnit");
  p["TimeUnit"] = "s";
  p["TimeSpan"] = 60;
  EXPECT_EQ(call("InquiryPriceScaleOutInstance", p).error_code, "InvalidParameter.InvalidTimeSpan");
  p["TimeSpan"] = 3600;
  p["PayMode"] = 2;
  EXPECT_EQ(call("InquiryPriceScaleOutInstance", p).error_code, "InvalidParameter.InvalidPaymode");
  p["PayMode"] = 0;
  p["Currency"] = "USD";
  EXPECT_EQ(call("InquiryPriceScaleOutInstance", p).error_code, "InvalidParameterValue");
  p["Currency"] = "CNY";
  p["CoreCount"] = 0;
  EXPECT_EQ(call("InquiryPriceScaleOutInstance", p).error_code, "InvalidParameter.InvalidCountNum");
  p["CoreCount"] = 1;
  p["InstanceId"] = "emr-zzzzzzzz";
  EXPECT_EQ(call("InquiryPriceScaleOutInstance", p).error_code,
            "ResourceNotFound.InstanceNotFound");
}

}  // namespace cloud_prices_test
}  // namespace tcplan::emulator
