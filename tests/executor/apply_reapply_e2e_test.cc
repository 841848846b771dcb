// The re-apply guard as an operator meets it: applying a plan that already succeeded is
// refused with exit 3, naming the earlier run, and sends nothing; `--new-run` applies it again
// on purpose (a second cluster); a saved plan is used once.
#include <gtest/gtest.h>

#include "tests/executor/e2e.h"

namespace tcplan::testing {
namespace apply_reapply_e2e_test {

namespace json = boost::json;
using e2e::Bed;
using e2e::dump;

const std::filesystem::path kCreate = e2e::plans_dir() / "create-cluster.toml";

LocalCloudOptions fleet() {
  LocalCloudOptions o;
  o.fixture = e2e::fleet_fixture();
  return o;
}

std::size_t clusters_named(const json::value& state, const std::string& name) {
  std::size_t n = 0;
  for (const auto& c : state.at("Clusters").as_array()) {
    const auto& o = c.as_object();
    if (!o.at("Terminated").as_bool() && o.at("ClusterName").as_string() == name) ++n;
  }
  return n;
}

std::int64_t received_total(const json::value& state) {
  std::int64_t n = 0;
  for (const auto& [action, count] : state.at("Received").as_object())
    n += count.to_number<std::int64_t>();
  return n;
}

TEST(ApplyAgain, ASucceededPlanIsRefusedNamingTheRunAndNothingIsSent) {
  LocalCloud cloud(fleet());
  Bed bed;
  ProcessResult first = bed.apply(cloud, kCreate);
  ASSERT_EQ(first.exit_code, 0) << dump(first);
  const std::string first_run = e2e::run_id_of(first);
  ASSERT_FALSE(first_run.empty());
  const json::value before = cloud.state();
  ASSERT_EQ(clusters_named(before, "analytics-01"), 1u);

  ProcessResult second = bed.apply(cloud, kCreate);
  EXPECT_EQ(second.exit_code, 3) << dump(second);
  EXPECT_NE(second.err.find("already succeeded in run " + first_run), std::string::npos)
      << dump(second);
  EXPECT_NE(second.err.find("--new-run"), std::string::npos) << dump(second);

  const json::value after = cloud.state();
  EXPECT_EQ(received_total(after), received_total(before)) << "the refused run sent something";
  EXPECT_EQ(clusters_named(after, "analytics-01"), 1u);
  auto rows = e2e::export_rows(bed, cloud, e2e::run_id_of(second));
  auto refused = e2e::select(rows, "refused");
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].field("reason"), "repeat");
}

TEST(ApplyAgain, NewRunMakesASecondClusterOnPurpose) {
  LocalCloud cloud(fleet());
  Bed bed;
  ASSERT_EQ(bed.apply(cloud, kCreate).exit_code, 0);

  // The dry run sees the live cluster of that name and says so; --new-run lets it through.
  ProcessResult preview = bed.tcplan(cloud, {"plan", kCreate.string(), "--new-run"});
  EXPECT_EQ(preview.exit_code, 0) << dump(preview);
  EXPECT_NE(preview.out.find("a live cluster already has the name analytics-01"), std::string::npos)
      << dump(preview);

  ProcessResult again = bed.apply(cloud, kCreate, {"--new-run"});
  ASSERT_EQ(again.exit_code, 0) << dump(again);
  EXPECT_EQ(clusters_named(cloud.state(), "analytics-01"), 2u);
}

TEST(ApplyAgain, ASavedPlanIsUsedOnce) {
  LocalCloud cloud(fleet());
  Bed bed;
  const auto saved = bed.dir / "create.json";
  ProcessResult plan = bed.tcplan(cloud, {"plan", kCreate.string(), "--out", saved.string()});
  ASSERT_EQ(plan.exit_code, 0) << dump(plan);
  ProcessResult first = bed.apply(cloud, saved);
  ASSERT_EQ(first.exit_code, 0) << dump(first);

  ProcessResult second = bed.apply(cloud, saved);
  EXPECT_EQ(second.exit_code, 3) << dump(second);
  EXPECT_NE(second.err.find("was already applied by run " + e2e::run_id_of(first)),
            std::string::npos)
      << dump(second);
  EXPECT_EQ(clusters_named(cloud.state(), "analytics-01"), 1u);
}

}  // namespace apply_reapply_e2e_test
}  // namespace tcplan::testing
