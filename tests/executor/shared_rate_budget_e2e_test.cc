// The shared rate budget of a team store (docs/team.md): two fleet restarts of 40 clusters
// each, started together from two working directories on one PostgreSQL store, against the
// emulator with its documented rate limits on. Each alone would pace itself at 0.97 of the
// limit, so together they would be throttled; sharing the store's bucket, the cloud answers
// none of their 80 restarts with RequestLimitExceeded.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/executor/crash/background.h"
#include "tests/executor/crash/trail.h"
#include "tests/executor/e2e.h"
#include "tests/testing/store.h"

namespace tcplan::testing::crash {
namespace shared_rate_budget_e2e_test {

constexpr int kPerRun = 40;

std::string cluster_id(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "emr-fleet%03d", i);
  return buf;
}

void write_fixture(const std::filesystem::path& file, int clusters) {
  std::ofstream out(file);
  for (int i = 0; i < clusters; ++i) {
    out << "[[clusters]]\nid = \"" << cluster_id(i) << "\"\nname = \"fleet-" << i
        << "\"\nproduct_version = \"EMR-V3.5.0\"\nproduct_id = 44\nzone = \"ap-guangzhou-3\"\n"
        << "software = [\"hdfs-3.2.2\", \"yarn-3.2.2\", \"hive-3.1.3\"]\n\n"
        << "[clusters.master]\ncount = 1\ninstance_type = \"S5.LARGE8\"\n\n"
        << "[clusters.core]\ncount = 2\ninstance_type = \"S5.LARGE8\"\n\n";
  }
}

// A restart of Hive on clusters [first, first + kPerRun), all at once.
void write_plan(const std::filesystem::path& file, int first) {
  std::ofstream out(file);
  out << "version = 1\nname = \"fleet-" << first << "\"\nregion = \"ap-guangzhou\"\n\n"
      << "[vars]\nclusters = [";
  for (int i = first; i < first + kPerRun; ++i)
    out << (i > first ? ", " : "") << '"' << cluster_id(i) << '"';
  out << "]\n\n[[steps]]\nid = \"restart-hive\"\nkind = \"restart\"\n"
      << "for_each = \"${vars.clusters}\"\nmax_parallel = " << kPerRun
      << "\n"
      // 80 clusters' status polls share the budget too: at the tests' time scale of 1000 the
      // default 30-minute wait is under 2 s of wall time, too short on a loaded machine.
      << "timeout = \"10h\"\n"
      << "[steps.params]\nInstanceId = \"${item}\"\n"
      << "OpScope = { ServiceInfoList = [{ ServiceName = \"HIVE\" }] }\n"
      << "StrategyConfig = { RollingRestartSwitch = 1, BatchSize = 1, TimeWait = 30, "
         "DealOnFail = 0 }\n";
}

TEST(SharedRateBudget, TwoFleetRunsOnOneTeamStoreAreNeverThrottled) {
  TempDir dir, a, b;
  write_fixture(dir / "fleet.toml", 2 * kPerRun);
  write_plan(a / "plan.toml", 0);
  write_plan(b / "plan.toml", kPerRun);
  LocalCloudOptions o;
  o.fixture = dir / "fleet.toml";
  o.rate_limits = true;
  LocalCloud cloud(o);
  const std::string store = fresh_pg_store("budget");

  BackgroundOptions host_a, host_b;
  host_a.name = "a";
  host_a.env["TCPLAN_HOST"] = "bastion-a";
  host_b.name = "b";
  host_b.env["TCPLAN_HOST"] = "bastion-b";
  const std::vector<std::string> flags{"--yes", "--max-parallel", std::to_string(kPerRun)};
  auto args = [&](const TempDir& d) {
    std::vector<std::string> v{"apply", (d / "plan.toml").string()};
    v.insert(v.end(), flags.begin(), flags.end());
    return v;
  };
  Background first(cloud, store, args(a), a.path(), host_a);
  Background second(cloud, store, args(b), b.path(), host_b);
  auto one = first.wait(std::chrono::seconds{120});
  auto two = second.wait(std::chrono::seconds{120});
  ASSERT_TRUE(one.has_value()) << first.err();
  ASSERT_TRUE(two.has_value()) << second.err();
  ASSERT_EQ(one->exit_code, 0) << e2e::dump(*one);
  ASSERT_EQ(two->exit_code, 0) << e2e::dump(*two);

  int restarts = 0, throttled = 0;
  for (const auto& e : read_trail(store)) {
    if (e.kind == "request_sent" && e.action == "StartStopServiceOrMonitor") ++restarts;
    if (e.error_code == "RequestLimitExceeded") ++throttled;
  }
  EXPECT_EQ(restarts, 2 * kPerRun);
  EXPECT_EQ(throttled, 0);
  const auto received = cloud.state().at("Received").as_object();
  ASSERT_TRUE(received.contains("emr.StartStopServiceOrMonitor"));
  EXPECT_EQ(received.at("emr.StartStopServiceOrMonitor").to_number<int>(), 2 * kPerRun);
}

}  // namespace shared_rate_budget_e2e_test
}  // namespace tcplan::testing::crash
