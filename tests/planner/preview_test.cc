// The cost preview against the real emulator model (its price table, its clusters from the
// plans' fixture), and every example plan in plans/: each validates and previews.
#include "planner/preview.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <filesystem>
#include <map>

#include "emulator/cloud.h"
#include "emulator/cloud/prices.h"
#include "planner/parse.h"
#include "planner/preview_render.h"
#include "planner/validate.h"
#include "tests/testing/process.h"

namespace tcplan::planner {
namespace preview_test {

namespace json = boost::json;
using ::testing::HasSubstr;

const std::filesystem::path kSource = TCPLAN_SOURCE_DIR;

// Calls the emulator's model directly: the same answers the HTTP front gives.
class ModelReader : public CloudReader {
 public:
  explicit ModelReader(emulator::Cloud& cloud) : cloud_(cloud) {}
  base::Result<json::object, api::ApiError> call(const std::string& service,
                                                 const std::string& action,
                                                 const std::string& version,
                                                 const std::string& region,
                                                 const json::object& params) override {
    ++calls;
    ++by_action[service + "." + action];
    emulator::ApiCall c;
    c.service = service;
    c.action = action;
    c.version = version;
    c.region = region;
    c.params = params;
    c.request_id = "req-" + std::to_string(calls);
    c.now_ms = cloud_.now_ms();
    auto r = cloud_.handle(c);
    if (!r.ok()) {
      api::ApiError e;
      e.code = r.error_code;
      e.message = r.error_message;
      return e;
    }
    return r.response;
  }
  int calls = 0;
  std::map<std::string, int> by_action;  // "emr.DescribeInstances" -> calls

 private:
  emulator::Cloud& cloud_;
};

struct Fixture {
  Fixture() {
    emulator::CloudOptions o;
    o.fixture_file = kSource / "plans/fixtures/fleet.toml";
    cloud = emulator::make_cloud(o);
    reader = std::make_unique<ModelReader>(*cloud);
  }
  std::unique_ptr<emulator::Cloud> cloud;
  std::unique_ptr<ModelReader> reader;
};

Plan load(const std::string& text, const std::string& name = "t.toml") {
  Diagnostics d(name);
  auto plan = parse_plan(name, text, d);
  EXPECT_TRUE(plan.has_value());
  validate_plan(*plan, d);
  EXPECT_FALSE(d.has_errors()) << d.render();
  return std::move(*plan);
}

Plan load_file(const std::filesystem::path& path) {
  Diagnostics d(path.string());
  auto plan = load_plan(path, d);
  EXPECT_TRUE(plan.has_value()) << d.render();
  validate_plan(*plan, d);
  EXPECT_FALSE(d.has_errors()) << d.render();
  return std::move(*plan);
}

emulator::cloud::Quote expected_quote(const std::string& type, int count) {
  emulator::cloud::NodeSpec spec;
  spec.instance_type = type;
  auto resolved = emulator::cloud::resolve_instance_type(spec);
  EXPECT_TRUE(resolved.ok());
  auto q = emulator::cloud::quote({{resolved.value(), count}}, 0, 3600);
  EXPECT_TRUE(q.ok());
  return q.value();
}

TEST(Preview, ScaleOutPriceMatchesTheEmulatorPriceTable) {
  Fixture f;
  Plan plan = load_file(kSource / "plans/nightly-etl-scale.toml");
  Preview p = preview_plan(plan, *f.reader);
  EXPECT_THAT(p.problems, ::testing::IsEmpty());
  ASSERT_EQ(p.steps.size(), 4u);
  const StepPreview& grow = p.steps[0];
  ASSERT_TRUE(grow.price.has_value()) << grow.price_note;
  const auto q = expected_quote("S5.LARGE8", 4);
  EXPECT_EQ(grow.price->action, "InquiryPriceScaleOutInstance");
  EXPECT_EQ(grow.price->unit, "hour");
  EXPECT_EQ(grow.price->currency, "CNY");
  EXPECT_NEAR(grow.price->quoted.original, q.original, 0.005);
  EXPECT_NEAR(grow.price->quoted.discounted, q.discount, 0.005);
  // Removed by "shrink": billed from grow's start to shrink's start (timeouts 30m+40m+30m).
  EXPECT_EQ(grow.removed_by, "shrink");
  ASSERT_TRUE(grow.window_hours.has_value());
  EXPECT_NEAR(*grow.window_hours, 30.0 / 60 + 40.0 / 60 + 30.0 / 60, 1e-9);
  ASSERT_TRUE(p.window_cost.has_value());
  EXPECT_NEAR(p.window_cost->discounted, q.discount * 100.0 / 60, 0.01);
  // Not billable steps have no price, and are not "unknown".
  EXPECT_FALSE(p.steps[2].billable);
  EXPECT_FALSE(p.steps[2].price.has_value());
  EXPECT_EQ(p.unknown_prices, 0u);
  EXPECT_FALSE(p.over_budget());
  EXPECT_THAT(p.steps[2].checks, ::testing::Contains("cluster emr-4slr7ad7 exists and is running"));
}

TEST(Preview, CreatePriceAndKnownAfterApply) {
  Fixture f;
  Plan plan = load_file(kSource / "plans/create-cluster.toml");
  Preview p = preview_plan(plan, *f.reader);
  ASSERT_TRUE(p.steps[0].price.has_value()) << p.steps[0].price_note;
  EXPECT_EQ(p.steps[0].price->action, "InquiryPriceCreateInstance");
  EXPECT_GT(p.steps[0].price->quoted.discounted, 0);
  EXPECT_LT(p.steps[0].price->quoted.discounted, p.steps[0].price->quoted.original);
  // The wait's cluster is the create's output: known after apply, not an error.
  EXPECT_THAT(p.problems, ::testing::IsEmpty());
  // No window and nothing removes the cluster: the window cost is not bounded.
  EXPECT_FALSE(p.window_cost.has_value());
  ASSERT_TRUE(p.hourly.has_value());
}

// A master with a system disk only: Resource cannot price it (it needs a data disk).
const std::string kNoDataDisk =
    "MasterResourceSpec = { InstanceType = \"S5.LARGE8\", SystemDisk = [{ Count = 1, DiskType = "
    "\"CLOUD_PREMIUM\", DiskSize = 50 }] }\n";
const std::string kCreateClusterHead = R"(version = 1
name = "cc"
region = "ap-guangzhou"
[[steps]]
id = "create"
kind = "create"
action = "CreateCluster"
[steps.params]
ProductVersion = "EMR-V3.5.0"
EnableSupportHAFlag = false
InstanceName = "cc-01"
InstanceChargeType = "POSTPAID_BY_HOUR"
LoginSettings = { PublicKeyId = "skey-3glfot13" }
SceneSoftwareConfig = { SceneName = "Hadoop-Default", Software = ["hdfs-3.2.2", "yarn-3.2.2"] }
[[steps.params.ZoneResourceConfiguration]]
Placement = { Zone = "ap-guangzhou-3" }
[steps.params.ZoneResourceConfiguration.AllNodeResourceSpec]
MasterCount = 1
CoreCount = 2
)";

// CreateCluster's node specs are mapped to InquiryPriceCreateInstance's Resource (Spec, Cpu and
// MemSize from the InstanceType): the price is the emulator's table for those nodes. A spec
// without a data disk cannot be asked for, and is unknown with the reason, not a failure.
TEST(Preview, CreateClusterIsPricedFromItsNodeSpecs) {
  Fixture f;
  const std::string disk =
      R"(SystemDisk = [{ Count = 1, DiskType = "CLOUD_PREMIUM", DiskSize = 50 }], DataDisk = [{ Count = 1, DiskType = "CLOUD_PREMIUM", DiskSize = 100 }] })";
  Plan priced = load(kCreateClusterHead + "MasterResourceSpec = { InstanceType = \"S5.LARGE8\", " +
                     disk + "\nCoreResourceSpec = { InstanceType = \"S5.LARGE8\", " + disk + "\n");
  Preview p = preview_plan(priced, *f.reader);
  EXPECT_THAT(p.problems, ::testing::IsEmpty());
  ASSERT_TRUE(p.steps[0].price.has_value()) << p.steps[0].price_note;
  EXPECT_EQ(p.steps[0].price->action, "InquiryPriceCreateInstance");
  const auto q = expected_quote("S5.LARGE8", 3);
  EXPECT_NEAR(p.steps[0].price->quoted.original, q.original, 0.005);

  Plan no_disk = load(kCreateClusterHead + kNoDataDisk);
  Preview u = preview_plan(no_disk, *f.reader);
  EXPECT_THAT(u.problems, ::testing::IsEmpty());
  EXPECT_FALSE(u.steps[0].price.has_value());
  EXPECT_THAT(u.steps[0].price_note, ::testing::HasSubstr("MasterResourceSpec has no DataDisk"));
}

TEST(Preview, UnknownPriceIsNeverZero) {
  Fixture f;
  // Priced automatically, but this spec cannot be asked for: unknown, with the reason.
  Plan plan = load(kCreateClusterHead + kNoDataDisk + "[budget]\nmax_hourly = 1000.0\n");
  Preview p = preview_plan(plan, *f.reader);
  EXPECT_TRUE(p.steps[0].billable);
  EXPECT_FALSE(p.steps[0].price.has_value());
  EXPECT_THAT(p.steps[0].price_note, HasSubstr("has no DataDisk"));
  EXPECT_FALSE(p.hourly.has_value());
  EXPECT_EQ(p.unknown_prices, 1u);
  EXPECT_TRUE(p.over_budget());  // a budget that cannot be checked is not passed
  auto j = preview_json(p, plan);
  EXPECT_TRUE(j["steps"].as_array()[0].as_object()["price"].is_null());
  EXPECT_TRUE(j["total"].as_object()["hourly"].is_null());
  EXPECT_THAT(render_table(p), HasSubstr("unknown"));
}

TEST(Preview, OverBudget) {
  Fixture f;
  Plan plan = load(R"(version = 1
name = "t"
region = "ap-guangzhou"
[window]
start = 2026-11-24T01:00:00+08:00
end = 2026-11-24T05:00:00+08:00
[budget]
max_total = 1.0
max_hourly = 0.5
[[steps]]
id = "grow"
kind = "scale_out"
[steps.params]
InstanceId = "emr-4slr7ad7"
PayMode = 0
TimeUnit = "s"
TimeSpan = 3600
TaskCount = 2
)");
  Preview p = preview_plan(plan, *f.reader);
  ASSERT_TRUE(p.window_cost.has_value());
  // Nothing removes the nodes: billed until the window ends (4 hours).
  EXPECT_NEAR(*p.steps[0].window_hours, 4.0, 1e-9);
  ASSERT_EQ(p.budget_violations.size(), 2u);
  EXPECT_THAT(p.budget_violations[0], HasSubstr("exceeds max_hourly 0.50"));
  EXPECT_THAT(p.budget_violations[1], HasSubstr("exceeds max_total 1.00"));
  EXPECT_THAT(render_markdown(p), HasSubstr("**Over budget:**"));
}

TEST(Preview, DryRunFindsMissingClusterAndTooFewNodes) {
  Fixture f;
  Plan plan = load(R"(version = 1
name = "t"
region = "ap-guangzhou"
[[steps]]
id = "r"
kind = "restart"
[steps.params]
InstanceId = "emr-zzzzzzzz"
OpScope = { ServiceInfoList = [{ ServiceName = "YARN" }] }
StrategyConfig = { RollingRestartSwitch = 1, BatchSize = 1, TimeWait = 60, DealOnFail = 0 }
[[steps]]
id = "s"
kind = "scale_in"
[steps.params]
InstanceId = "emr-4slr7ad7"
[steps.select]
node_flag = "task"
newest = 3
)");
  Preview p = preview_plan(plan, *f.reader);
  ASSERT_EQ(p.problems.size(), 2u);
  EXPECT_THAT(p.problems[0], HasSubstr("cluster emr-zzzzzzzz does not exist"));
  EXPECT_THAT(p.problems[1], HasSubstr("has 2 task nodes; the step removes 3"));
}

// A [[groups]] pipeline whose items are a query: every step of the group runs over the same
// clusters (chosen from one listing of the region, pinned under each step), each item checked
// and priced on its own, and the group's cost added up per item and in all; the clusters
// every item names are read in one batched DescribeInstances, not one call each.
TEST(Preview, GroupChosenByQueryPreviewsEachItem) {
  Fixture f;
  Plan plan = load(R"(version = 1
name = "t"
region = "ap-guangzhou"
[[groups]]
id = "grow-data"
for_each = { tags = { team = "data" } }
max_parallel = 1
[[groups.steps]]
id = "grow"
kind = "scale_out"
[groups.steps.params]
InstanceId = "${item}"
PayMode = 0
TimeUnit = "s"
TimeSpan = 3600
TaskCount = 1
[[groups.steps]]
id = "wait-grow"
kind = "wait"
cluster = "${item}"
until = "running"
)");
  Preview p = preview_plan(plan, *f.reader);
  EXPECT_TRUE(p.problems.empty()) << p.problems.front();
  ASSERT_EQ(p.steps.size(), 2u);
  const json::array data{"emr-4slr7ad7", "emr-p9f700x8"};
  for (const StepPreview& s : p.steps) {
    EXPECT_EQ(s.group, "grow-data");
    ASSERT_EQ(s.items.size(), 2u) << s.id;
    EXPECT_EQ(s.items[0].label, s.id + "[emr-4slr7ad7]");
    EXPECT_EQ(p.fleets.at(s.id), data) << s.id;
    EXPECT_EQ(s.timing.items, 2u);
  }
  // Each item priced on its own; the step's price is their sum.
  const StepPreview& grow = p.steps[0];
  ASSERT_TRUE(grow.items[0].price && grow.items[1].price && grow.price);
  EXPECT_DOUBLE_EQ(grow.price->hourly.discounted,
                   grow.items[0].price->hourly.discounted + grow.items[1].price->hourly.discounted);
  ASSERT_EQ(p.groups.size(), 1u);
  EXPECT_EQ(p.groups[0].items, 2u);
  ASSERT_TRUE(p.groups[0].hourly && p.groups[0].hourly_per_item);
  EXPECT_DOUBLE_EQ(p.groups[0].hourly->discounted, grow.price->hourly.discounted);
  EXPECT_DOUBLE_EQ(p.groups[0].hourly_per_item->discounted, grow.price->hourly.discounted / 2);
  // One listing of the region for the query, then nothing but prices: the clusters the items
  // name were in that listing.
  EXPECT_EQ(f.reader->by_action["emr.DescribeInstances"], 1);
  EXPECT_EQ(f.reader->by_action["emr.InquiryPriceScaleOutInstance"], 2);

  // The same group over a literal list: the items' clusters in one batched read.
  Fixture g;
  std::string listed = plan.text;
  listed.replace(listed.find("{ tags = { team = \"data\" } }"), 28,
                 "[\"emr-4slr7ad7\", \"emr-p9f700x8\", \"emr-ge0vrqkl\"]");
  Preview q = preview_plan(load(listed), *g.reader);
  EXPECT_TRUE(q.problems.empty()) << q.problems.front();
  EXPECT_EQ(q.steps[1].items.size(), 3u);
  EXPECT_EQ(g.reader->by_action["emr.DescribeInstances"], 1);
}

TEST(Preview, JsonFollowsTheSchema) {
  Fixture f;
  Plan plan = load_file(kSource / "plans/nightly-etl-scale.toml");
  PreviewOptions o;
  o.now = [] { return std::chrono::system_clock::time_point(std::chrono::seconds(1'790'000'000)); };
  Preview p = preview_plan(plan, *f.reader, o);
  json::object j = preview_json(p, plan);
  EXPECT_EQ(j["schema"].as_string(), "tcplan.preview/1");
  EXPECT_EQ(j["plan"].as_object()["sha256"].as_string(), plan.sha256);
  EXPECT_EQ(j["digest"].as_string().size(), 64u);
  EXPECT_EQ(j["fetched_at"].as_string(), "2026-09-21T14:13:20Z");
  const auto& steps = j["steps"].as_array();
  ASSERT_EQ(steps.size(), 4u);
  for (const auto& s : steps) {
    for (const char* key : {"id", "kind", "action", "price", "window", "params"}) {
      EXPECT_TRUE(s.as_object().contains(key)) << key;
    }
  }
  const auto& price = steps[0].as_object().at("price").as_object();
  for (const char* key : {"action", "original", "discounted", "unit", "currency", "hourly"}) {
    EXPECT_TRUE(price.contains(key)) << key;
  }
  const auto& total = j["total"].as_object();
  EXPECT_EQ(total.at("currency").as_string(), "CNY");
  EXPECT_TRUE(total.at("hourly").is_object());
  EXPECT_TRUE(total.at("window").is_object());
  EXPECT_TRUE(j["budget"].as_object()["ok"].as_bool());
  // The wait step's flow is known only after apply.
  EXPECT_THAT(json::serialize(steps[3].as_object().at("params")), HasSubstr("emr-4slr7ad7"));
}

TEST(Preview, SavedPlanIsWrittenAtomically) {
  Fixture f;
  Plan plan = load_file(kSource / "plans/nightly-etl-scale.toml");
  Preview p = preview_plan(plan, *f.reader);
  testing::TempDir dir;
  auto st = write_saved_plan(dir / "saved.json", p, plan);
  ASSERT_TRUE(st.ok()) << st.error().message;
  auto doc = json::parse(testing::read_file(dir / "saved.json")).as_object();
  EXPECT_EQ(doc["schema"].as_string(), "tcplan.saved-plan/1");
  EXPECT_EQ(doc["plan_sha256"].as_string(), plan.sha256);
  EXPECT_FALSE(doc["fetched_at"].as_string().empty());
  EXPECT_EQ(doc["preview"].as_object()["steps"].as_array().size(), 4u);
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path()))
    ++files;
  EXPECT_EQ(files, 1u);  // no temporary left behind
}

TEST(Examples, EveryPlanValidatesAndPreviews) {
  std::size_t count = 0;
  for (const auto& e : std::filesystem::directory_iterator(kSource / "plans")) {
    if (e.path().extension() != ".toml") continue;
    ++count;
    SCOPED_TRACE(e.path().string());
    Fixture f;
    Plan plan = load_file(e.path());
    Diagnostics d(e.path().string());
    validate_plan(plan, d);
    EXPECT_EQ(d.warnings(), 0u) << d.render();
    Preview p = preview_plan(plan, *f.reader);
    EXPECT_THAT(p.problems, ::testing::IsEmpty());
    // A price may be unknown only when what it depends on is created by the plan itself
    // (lifecycle.toml scales out the cluster it creates); never because a read failed.
    for (const auto& s : p.steps) {
      if (s.billable && !s.price) {
        EXPECT_THAT(s.price_note, ::testing::HasSubstr("known only after apply")) << s.id;
      }
    }
    EXPECT_FALSE(p.over_budget()) << p.budget_violations[0];
    EXPECT_FALSE(render_table(p).empty());
  }
  EXPECT_GE(count, 7u);
}

}  // namespace preview_test
}  // namespace tcplan::planner
