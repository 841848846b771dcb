// Fleets chosen by query and lists longer than a page, end to end: a for_each query over 30
// tagged clusters previews and acts on exactly the matching ones (each item named in the
// preview, each switched once, the others untouched); a cluster of 250 nodes, more than two
// pages of DescribeClusterNodes, scales in without a false dry-run problem.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "tests/executor/e2e.h"

namespace tcplan::testing {
namespace apply_fleet_query_e2e_test {

namespace json = boost::json;
using e2e::Bed;
using e2e::dump;

std::string cluster_id(int i) {
  char id[16];
  std::snprintf(id, sizeof id, "emr-flt%05d", i);
  return id;
}

// Cluster i: named etl-NN for i < 20, web-NN after; tagged fleet=blue unless i % 3 == 0.
bool blue(int i) {
  return i % 3 != 0;
}
bool etl(int i) {
  return i < 20;
}

std::filesystem::path write_fleet_fixture(const std::filesystem::path& dir) {
  const auto path = dir / "fleet30.toml";
  std::ofstream out(path);
  for (int i = 0; i < 30; ++i) {
    out << "[[clusters]]\nid = \"" << cluster_id(i) << "\"\nname = \"" << (etl(i) ? "etl-" : "web-")
        << i << "\"\nscheduler = \"fair\"\ntags = { fleet = \"" << (blue(i) ? "blue" : "green")
        << "\", env = \"prod\" }\n[clusters.master]\ncount = 1\ninstance_type = \"S5.LARGE8\"\n"
        << "[clusters.core]\ncount = 1\ninstance_type = \"S5.LARGE8\"\n\n";
  }
  return path;
}

const char* kQueryPlan = R"(version = 1
name = "fleet-by-query"
region = "ap-guangzhou"

[[steps]]
id = "switch"
kind = "scheduler"
for_each = { tags = { fleet = "blue" }, name_prefix = "etl-", status = "running" }
max_parallel = 4
[steps.params]
InstanceId = "${item}"
OldValue = "fair"
NewValue = "capacity"
)";

std::string scheduler_of(const json::value& state, const std::string& id) {
  for (const auto& c : state.at("Clusters").as_array()) {
    if (c.at("ClusterId").as_string() == id) return std::string(c.at("Scheduler").as_string());
  }
  return "?";
}

TEST(FleetQuery, PreviewsAndActsOnExactlyTheMatchingClusters) {
  Bed bed;
  LocalCloudOptions o;
  o.fixture = write_fleet_fixture(bed.dir.path());
  LocalCloud cloud(o);
  const auto plan = bed.dir / "fleet.toml";
  std::ofstream(plan) << kQueryPlan;

  std::set<std::string> matching;
  for (int i = 0; i < 30; ++i) {
    if (blue(i) && etl(i)) matching.insert(cluster_id(i));
  }
  ASSERT_EQ(matching.size(), 13u);

  ProcessResult preview = bed.tcplan(cloud, {"plan", plan.string()});
  ASSERT_EQ(preview.exit_code, 0) << dump(preview);
  for (int i = 0; i < 30; ++i) {
    const bool shown = preview.out.find("switch[" + cluster_id(i) + "]") != std::string::npos;
    EXPECT_EQ(shown, matching.count(cluster_id(i)) == 1) << cluster_id(i) << "\n" << dump(preview);
  }

  ProcessResult r = bed.apply(cloud, plan);
  ASSERT_EQ(r.exit_code, 0) << dump(r);
  const json::value after = cloud.state();
  EXPECT_EQ(after.at("Received").at("emr.ModifyResourceScheduler").to_number<std::int64_t>(), 13);
  for (int i = 0; i < 30; ++i) {
    EXPECT_EQ(scheduler_of(after, cluster_id(i)),
              matching.count(cluster_id(i)) ? "capacity" : "fair")
        << cluster_id(i);
  }
  // The items are in the trail, one request per matching cluster.
  auto rows = e2e::export_rows(bed, cloud, e2e::run_id_of(r));
  EXPECT_EQ(e2e::select(rows, "request_sent", "ModifyResourceScheduler").size(), 13u);
}

TEST(LongLists, A250NodeClusterScalesInWithoutAFalseProblem) {
  Bed bed;
  const auto fixture = bed.dir / "big.toml";
  std::ofstream(fixture) << "[[clusters]]\nid = \"emr-big00250\"\nname = \"big\"\n"
                            "[clusters.master]\ncount = 1\ninstance_type = \"S5.LARGE8\"\n"
                            "[clusters.core]\ncount = 2\ninstance_type = \"S5.LARGE8\"\n"
                            "[clusters.task]\ncount = 250\ninstance_type = \"S5.LARGE8\"\n";
  LocalCloudOptions o;
  o.fixture = fixture;
  LocalCloud cloud(o);
  // 120 of the task nodes: more than the first page holds, so a reader that stopped after one
  // page would report "has 100 task nodes; the step removes 120".
  const auto plan = bed.dir / "shrink.toml";
  std::ofstream(plan) << "version = 1\nname = \"shrink-big\"\nregion = \"ap-guangzhou\"\n"
                         "[[steps]]\nid = \"shrink\"\nkind = \"scale_in\"\n[steps.params]\n"
                         "InstanceId = \"emr-big00250\"\n[steps.select]\nnode_flag = \"task\"\n"
                         "newest = 120\n";

  ProcessResult preview = bed.tcplan(cloud, {"plan", plan.string()});
  ASSERT_EQ(preview.exit_code, 0) << dump(preview);
  EXPECT_NE(preview.out.find("has 250 task nodes; removing 120"), std::string::npos)
      << dump(preview);

  ProcessResult r = bed.apply(cloud, plan);
  ASSERT_EQ(r.exit_code, 0) << dump(r);
  // Let the scale-in flow the step started run to its end.
  cloud.advance_ms(3600 * 1000);
  std::size_t tasks = 0;
  const json::value after = cloud.state();
  for (const auto& c : after.at("Clusters").as_array()) {
    if (c.at("ClusterId").as_string() != "emr-big00250") continue;
    for (const auto& n : c.at("Nodes").as_array()) {
      if (n.at("Flag").to_number<std::int64_t>() == 3) ++tasks;
    }
  }
  EXPECT_EQ(tasks, 130u);
}

}  // namespace apply_fleet_query_e2e_test
}  // namespace tcplan::testing
