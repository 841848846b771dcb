// A fleet's dry run is paced like its run: the preview prices every cluster of a scale-out
// fleet (one InquiryPriceScaleOutInstance each) and, unpaced, sent those reads back to back,
// faster than the documented 20 a second: the emulator (rate limits on, as the cloud) refused
// some, and the apply stopped with "pricing failed". The reads now take slots from the run's
// rate limiter, the same one the run's calls use.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "tests/executor/e2e.h"

namespace tcplan::testing {
namespace apply_fleet_pacing_e2e_test {

using e2e::Bed;
using e2e::dump;

// More than one second of the limit: back to back, a loopback emulator answers 30 reads in a
// few tens of milliseconds.
constexpr int kClusters = 30;

std::string cluster_id(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "emr-pace0%03d", i);
  return buf;
}

void write_fixture(const std::filesystem::path& file) {
  std::ofstream out(file);
  for (int i = 0; i < kClusters; ++i) {
    out << "[[clusters]]\nid = \"" << cluster_id(i) << "\"\nname = \"pace-" << i
        << "\"\nproduct_version = \"EMR-V3.5.0\"\nproduct_id = 44\nzone = \"ap-guangzhou-3\"\n"
        << "software = [\"hdfs-3.2.2\", \"yarn-3.2.2\"]\n\n"
        << "[clusters.master]\ncount = 1\ninstance_type = \"S5.LARGE8\"\n\n"
        << "[clusters.core]\ncount = 2\ninstance_type = \"S5.LARGE8\"\n\n";
  }
}

// One task node more on every cluster, all at once.
void write_plan(const std::filesystem::path& file) {
  std::ofstream out(file);
  out << "version = 1\nname = \"grow-fleet\"\nregion = \"ap-guangzhou\"\n\n[vars]\nclusters = [";
  for (int i = 0; i < kClusters; ++i)
    out << (i > 0 ? ", " : "") << '"' << cluster_id(i) << '"';
  out << "]\n\n[[steps]]\nid = \"grow\"\nkind = \"scale_out\"\n"
      << "for_each = \"${vars.clusters}\"\nmax_parallel = " << kClusters << "\ntimeout = \"10h\"\n"
      << "[steps.params]\nInstanceId = \"${item}\"\nPayMode = 0\nTimeUnit = \"s\"\n"
      << "TimeSpan = 3600\nTaskCount = 1\n";
}

TEST(ApplyFleetPacing, AFleetsDryRunPricesEveryClusterWithoutBeingThrottled) {
  Bed bed;
  write_fixture(bed.dir / "fleet.toml");
  write_plan(bed.dir / "grow.toml");
  LocalCloudOptions o;
  o.fixture = bed.dir / "fleet.toml";
  o.rate_limits = true;
  LocalCloud cloud(o);

  auto r = bed.apply(cloud, bed.dir / "grow.toml");
  ASSERT_EQ(r.exit_code, 0) << dump(r);

  const auto rows = e2e::export_rows(bed, cloud);
  int throttled = 0;
  for (const auto& row : rows)
    throttled += row.str("error_code") == "RequestLimitExceeded";
  EXPECT_EQ(throttled, 0);
  // Each cluster priced once (no refused read was retried) and grown once.
  const auto received = cloud.state().at("Received").as_object();
  ASSERT_TRUE(received.contains("emr.InquiryPriceScaleOutInstance"));
  EXPECT_EQ(received.at("emr.InquiryPriceScaleOutInstance").to_number<int>(), kClusters);
  EXPECT_EQ(e2e::select(rows, "request_sent", "ScaleOutInstance").size(),
            static_cast<std::size_t>(kClusters));
}

}  // namespace apply_fleet_pacing_e2e_test
}  // namespace tcplan::testing
