// The audit trail accounts for every call (issue 6): after a run through injected faults, its
// request_sent events per action equal the calls the emulator received ("Received"), each
// request has exactly one recorded outcome, and `tcplan audit verify` passes.
#include <gtest/gtest.h>

#include <map>

#include "tests/executor/e2e.h"

namespace tcplan::testing {
namespace apply_audit_count_e2e_test {

namespace json = boost::json;
using e2e::Bed;
using e2e::dump;

TEST(ApplyAuditCount, RequestsInTheTrailMatchTheCallsTheEmulatorReceived) {
  LocalCloudOptions o;
  o.fixture = e2e::fleet_fixture();
  o.faults = e2e::data_dir() / "faults-every-action.toml";
  LocalCloud cloud(o);
  Bed bed;

  ProcessResult r = bed.apply(cloud, e2e::plans_dir() / "lifecycle.toml");
  ASSERT_EQ(r.exit_code, 0) << dump(r);

  std::map<std::string, std::int64_t> trail;
  auto rows = e2e::export_rows(bed, cloud);
  for (const auto& row : rows) {
    if (row.kind() == "request_sent") ++trail[row.str("service") + "." + row.action()];
  }
  std::map<std::string, std::int64_t> emulator;
  const json::value state = cloud.state();
  for (const auto& [name, n] : state.at("Received").as_object())
    emulator[std::string(name)] = n.to_number<std::int64_t>();
  EXPECT_EQ(trail, emulator);
  // The faults did happen: otherwise this proves little.
  std::size_t failed = 0;
  for (const auto& row : rows) {
    if (row.kind() == "transport_error" || !row.str("error_code").empty()) ++failed;
  }
  EXPECT_GT(failed, 0u);

  // Each request is followed by exactly one outcome before the next request of the same
  // step item: no torn tail, nothing recorded twice.
  std::map<std::string, int> open;  // step/item -> requests without an outcome
  for (const auto& row : rows) {
    const std::string key = row.step() + "/" + row.str("item") + "/" + row.action();
    if (row.kind() == "request_sent") {
      EXPECT_EQ(open[key], 0) << "request before the last one's outcome: seq " << row.seq();
      ++open[key];
    } else if (row.kind() == "response_received" || row.kind() == "transport_error") {
      EXPECT_EQ(open[key], 1) << "outcome without a request: seq " << row.seq();
      --open[key];
    }
  }
  for (const auto& [key, n] : open)
    EXPECT_EQ(n, 0) << key;

  ProcessResult verify = bed.tcplan(cloud, {"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << dump(verify);
}

}  // namespace apply_audit_count_e2e_test
}  // namespace tcplan::testing
