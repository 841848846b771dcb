// `tcplan plan` as an operator runs it, end to end: the real binary against the emulator over
// loopback, with the example plans' fixture. Table, JSON and markdown previews, the budget
// gate's exit code, and a saved plan that `tcplan apply` accepts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "tests/testing/local_cloud.h"
#include "tests/testing/process.h"
#include "tests/testing/store.h"

namespace tcplan::planner {
namespace plan_command_e2e_test {

using tcplan::testing::LocalCloud;
using tcplan::testing::read_file;
using tcplan::testing::run_tcplan_against;
using tcplan::testing::TempDir;
using tcplan::testing::test_store;
using tcplan::testing::write_file;
using ::testing::HasSubstr;
using ::testing::Not;

namespace json = boost::json;

const std::filesystem::path kSource = TCPLAN_SOURCE_DIR;
const std::string kNightly = (kSource / "plans/nightly-etl-scale.toml").string();
// Inside the nightly plan's [window]: `tcplan plan` refuses (exit 3) once it has closed.
const std::string kInWindow = "2026-11-24T01:05:00+08:00";

TEST(PlanCommandE2E, TablePricesTheScaleOutFromTheEmulator) {
  TempDir dir;
  const auto db = test_store(dir.path());
  LocalCloud cloud({.fixture = kSource / "plans/fixtures/fleet.toml"});
  auto r = run_tcplan_against(cloud, db, {"plan", kNightly, "--now", kInWindow});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("emr ScaleOutInstance"));
  EXPECT_THAT(r.out, HasSubstr("CNY/hour"));
  EXPECT_THAT(r.out, Not(HasSubstr("OVER BUDGET")));
  // A dry run sends reads and price inquiries only: the cluster is untouched.
  auto state = cloud.state();
  for (const auto& c : state.at("Clusters").as_array()) {
    if (c.at("ClusterId").as_string() == "emr-4slr7ad7") {
      EXPECT_EQ(c.at("Nodes").as_array().size(), 5u);
      EXPECT_EQ(c.at("Status").as_int64(), 2);
    }
  }
  EXPECT_TRUE(state.at("Flows").as_array().empty());
}

TEST(PlanCommandE2E, JsonHasTheDocumentedSchemaAndMarkdownIsATable) {
  TempDir dir;
  const auto db = test_store(dir.path());
  LocalCloud cloud({.fixture = kSource / "plans/fixtures/fleet.toml"});
  auto r =
      run_tcplan_against(cloud, db, {"plan", kNightly, "--now", kInWindow, "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json::value doc = json::parse(r.out);
  EXPECT_EQ(doc.at("plan").at("name").as_string(), "nightly-etl-scale");
  EXPECT_EQ(doc.at("digest").as_string().size(), 64u);
  const auto& steps = doc.at("steps").as_array();
  ASSERT_EQ(steps.size(), 4u);
  EXPECT_EQ(steps[0].at("id").as_string(), "grow");
  EXPECT_EQ(steps[0].at("action").as_string(), "ScaleOutInstance");
  EXPECT_GT(steps[0].at("price").at("hourly").at("discounted").to_number<double>(), 0.0);
  EXPECT_TRUE(steps[1].at("price").is_null());
  EXPECT_EQ(doc.at("total").at("currency").as_string(), "CNY");
  EXPECT_GT(doc.at("total").at("window").at("discounted").to_number<double>(), 0.0);

  auto md =
      run_tcplan_against(cloud, db, {"plan", kNightly, "--now", kInWindow, "--format", "markdown"});
  ASSERT_EQ(md.exit_code, 0) << md.err;
  EXPECT_THAT(md.out, HasSubstr("| `grow` | scale_out |"));
}

TEST(PlanCommandE2E, OverBudgetExitsThree) {
  TempDir dir;
  const auto db = test_store(dir.path());
  LocalCloud cloud({.fixture = kSource / "plans/fixtures/fleet.toml"});
  std::string plan = read_file(kNightly);
  auto at = plan.find("max_hourly = 120.0");
  ASSERT_NE(at, std::string::npos);
  plan.replace(at, 18, "max_hourly = 0.01");
  write_file(dir / "tight.toml", plan);
  auto r =
      run_tcplan_against(cloud, db, {"plan", (dir / "tight.toml").string(), "--now", kInWindow});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.out + r.err, HasSubstr("OVER BUDGET"));
}

TEST(PlanCommandE2E, SavedPlanIsAcceptedByApplyUntilThePlanChanges) {
  TempDir dir;
  const auto db = test_store(dir.path());
  LocalCloud cloud({.fixture = kSource / "plans/fixtures/fleet.toml"});
  write_file(dir / "p.toml", read_file(kNightly));
  const std::string saved = (dir / "p.saved.json").string();
  auto r = run_tcplan_against(
      cloud, db, {"plan", (dir / "p.toml").string(), "--out", saved, "--now", kInWindow});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(read_file(saved)).at("schema").as_string(), "tcplan.saved-plan/1");

  // The plan file changes after it was priced: the saved plan is stale, naming what changed.
  std::string plan = read_file(dir / "p.toml");
  plan.replace(plan.find("TaskCount = 4"), 13, "TaskCount = 3");
  write_file(dir / "p.toml", plan);
  auto stale = run_tcplan_against(cloud, db,
                                  {"apply", saved, "--yes", "--now", "2026-11-24T01:10:00+08:00"});
  EXPECT_EQ(stale.exit_code, 3) << stale.out << stale.err;
  EXPECT_THAT(stale.err, HasSubstr("changed since it was saved"));
  EXPECT_EQ(cloud.state().at("Flows").as_array().size(), 0u);
}

}  // namespace plan_command_e2e_test
}  // namespace tcplan::planner
