// [[groups]] end to end (issue 12): the real `tcplan apply` runs a pipelined rollout over five
// clusters of the emulator, where flow faults fail the Nth scale-out flow (items start, and so
// send their scale-outs, in list order). The failure threshold stops new items after
// max_failures + 1 failures and lets the items in flight finish; a canary goes first and
// alone, and its failure stops the rollout.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "tests/executor/e2e.h"

namespace tcplan::testing {
namespace apply_groups_e2e_test {

namespace json = boost::json;
using e2e::Bed;
using e2e::dump;

constexpr const char* kSteps[] = {"check",        "grow",   "wait-grow",
                                  "restart-yarn", "shrink", "wait-shrink"};

// The rollout plan with its group controls replaced (`controls`: TOML lines).
std::filesystem::path rollout_plan(const Bed& bed, const std::string& controls) {
  std::ifstream in(e2e::data_dir() / "groups-rollout.toml");
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const std::string from = "max_parallel = 3\nmax_failures = 1\n";
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos);
  text.replace(at, from.size(), controls);
  const auto path = bed.dir / "rollout.toml";
  std::ofstream(path) << text;
  return path;
}

// A faults file in the bed that fails the given scale-out flows (1-based, in start order).
std::filesystem::path failing_flows(const Bed& bed, const std::vector<int>& nth) {
  const auto path = bed.dir / "faults.toml";
  std::ofstream out(path);
  for (int n : nth) {
    out << "[[flow]]\naction = \"ScaleOutInstance\"\nnth = " << n
        << "\noutcome = -1\nfailed_reason = \"injected\"\n";
  }
  return path;
}

LocalCloudOptions cloud_options(const Bed& bed, const std::filesystem::path& faults) {
  LocalCloudOptions o;
  o.fixture = e2e::data_dir() / "groups-fleet.toml";
  // A state file: the flow faults' Nth-flow counters are kept there.
  o.state_file = bed.dir / "cloud.db";
  o.faults = faults;
  o.time_scale = 600;  // an item's 10 minutes of flows take a second
  return o;
}

// Per item (its index as text): the steps it started, and how each one finished.
struct Items {
  std::map<std::string, std::vector<std::string>> started;
  std::map<std::string, std::map<std::string, std::string>> finished;  // item -> step -> status
  std::map<std::string, std::int64_t> first_start, last_finish;        // seq
};

Items items_of(const std::vector<e2e::Row>& rows) {
  Items out;
  for (const auto& r : rows) {
    const std::string item = r.str("item");
    if (r.step().empty() || item.empty()) continue;
    if (r.kind() == "step_started") {
      out.started[item].push_back(r.step());
      if (!out.first_start.count(item)) out.first_start[item] = r.seq();
    }
    if (r.kind() == "step_finished") {
      out.finished[item][r.step()] = r.field("status");
      out.last_finish[item] = r.seq();
    }
  }
  return out;
}

void expect_item_succeeded(const Items& items, const std::string& item) {
  SCOPED_TRACE("item " + item);
  ASSERT_TRUE(items.finished.count(item)) << "never finished a step";
  for (const char* step : kSteps)
    EXPECT_EQ(items.finished.at(item).count(step) ? items.finished.at(item).at(step) : "",
              "succeeded")
        << step;
}

std::int64_t received(const LocalCloud& cloud, const std::string& action) {
  const json::value state = cloud.state();
  const auto* n = state.at("Received").as_object().if_contains("emr." + action);
  return n ? n->to_number<std::int64_t>() : 0;
}

TEST(ApplyGroups, MaxFailuresStopsNewItemsAndLetsItemsInFlightFinish) {
  Bed bed;
  LocalCloud cloud(cloud_options(bed, failing_flows(bed, {2, 3})));
  // Items 0-2 start together; the scale-out flows of 1 and 2 fail, 50 ms apart: the 2nd
  // failure is one more than max_failures = 1. Item 0 is then in flight (a second of flows
  // ahead of it) and finishes; item 4 cannot start (at most item 3 took the slot item 1 freed).
  const auto plan = rollout_plan(bed, "max_parallel = 3\nmax_failures = 1\n");
  ProcessResult r = bed.apply(cloud, plan);
  ASSERT_EQ(r.exit_code, 1) << dump(r);
  EXPECT_NE(r.out.find("group rollout: "), std::string::npos) << dump(r);
  EXPECT_NE(r.out.find("2 items failed, more than max_failures = 1"), std::string::npos) << dump(r);
  EXPECT_NE(r.out.find("emr-grok0004"), std::string::npos) << "not-started items are named\n"
                                                           << dump(r);

  const auto items = items_of(e2e::export_rows(bed, cloud, e2e::run_id_of(r)));
  for (const char* bad : {"1", "2"}) {
    ASSERT_TRUE(items.finished.count(bad)) << bad;
    EXPECT_EQ(items.finished.at(bad).at("wait-grow"), "failed") << bad;
    EXPECT_EQ(items.started.at(bad), (std::vector<std::string>{"check", "grow", "wait-grow"}))
        << bad << ": a failed item goes no further";
  }
  expect_item_succeeded(items, "0");
  EXPECT_FALSE(items.started.count("4")) << "an item started after the rollout stopped";
  // Item 3 may have taken item 1's slot before item 2 failed; if so it finished too.
  if (items.started.count("3")) expect_item_succeeded(items, "3");
  // Every item that started finished: nothing is left half-done.
  for (const auto& [item, steps] : items.started)
    EXPECT_TRUE(items.finished.count(item)) << "item " << item << " never finished";
}

TEST(ApplyGroups, FailuresWithinTheThresholdLetTheRolloutGoOnAfterTheCanary) {
  Bed bed;
  // The canary's scale-out is flow 1; items 1 and 2 (started together after it) fail.
  LocalCloud cloud(cloud_options(bed, failing_flows(bed, {2, 3})));
  const auto plan = rollout_plan(bed, "max_parallel = 2\ncanary = 1\nmax_failures = 2\n");
  ProcessResult r = bed.apply(cloud, plan);
  // Two failed items are tolerated, so every item ran; the run still says it failed.
  ASSERT_EQ(r.exit_code, 1) << dump(r);
  EXPECT_NE(r.out.find("group rollout: 3 of 5 items succeeded, 2 failed"), std::string::npos)
      << dump(r);
  EXPECT_EQ(r.out.find("started no more items"), std::string::npos) << dump(r);

  const auto items = items_of(e2e::export_rows(bed, cloud, e2e::run_id_of(r)));
  for (const char* ok : {"0", "3", "4"})
    expect_item_succeeded(items, ok);
  // The canary finished the whole group before any other item started.
  for (const char* other : {"1", "2", "3", "4"}) {
    ASSERT_TRUE(items.first_start.count(other)) << other;
    EXPECT_GT(items.first_start.at(other), items.last_finish.at("0"))
        << "item " << other << " started before the canary finished";
  }
}

TEST(ApplyGroups, ACanaryThatFailsStopsTheRollout) {
  Bed bed;
  // The first scale-out flow, the canary's, fails.
  LocalCloud cloud(cloud_options(bed, failing_flows(bed, {1})));
  const auto plan = rollout_plan(bed, "max_parallel = 2\ncanary = 1\nmax_failures = 3\n");
  ProcessResult r = bed.apply(cloud, plan);
  ASSERT_EQ(r.exit_code, 1) << dump(r);
  EXPECT_NE(r.out.find("a canary item failed (canary = 1)"), std::string::npos) << dump(r);
  EXPECT_NE(r.out.find("group rollout: 0 of 5 items succeeded, 1 failed, 4 not started"),
            std::string::npos)
      << dump(r);

  const auto items = items_of(e2e::export_rows(bed, cloud, e2e::run_id_of(r)));
  ASSERT_TRUE(items.finished.count("0"));
  EXPECT_EQ(items.finished.at("0").at("wait-grow"), "failed");
  EXPECT_EQ(items.started.size(), 1u) << "an item other than the canary started";
  EXPECT_EQ(received(cloud, "ScaleOutInstance"), 1);
}

}  // namespace apply_groups_e2e_test
}  // namespace tcplan::testing
