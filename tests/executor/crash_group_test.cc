// Issue 12's crash test: a pipelined [[groups]] rollout over three clusters, killed (SIGKILL)
// right after its Nth audit event for N drawn from fixed seeds, then resumed, ends with every
// item done exactly once: each step of each item finished successfully once in the trail,
// each cluster scaled out and in exactly once (its ClientToken never made more), nothing lost
// from the trail and the chain intact. Synchronised by the kill hook, not by time.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <random>

#include "tests/executor/crash/lifecycle.h"

namespace tcplan::testing::crash {
namespace crash_group_test {

constexpr double kScale = 10000;  // an item's 10 minutes of flows take 60 ms
constexpr int kShards = 4;
constexpr int kKillsPerShard = 3;
const std::vector<std::string> kClusters{"emr-grok0000", "emr-grok0003", "emr-grok0004"};
constexpr const char* kSteps[] = {"check",        "grow",   "wait-grow",
                                  "restart-yarn", "shrink", "wait-shrink"};

// The rollout plan of the group tests over the three healthy clusters, two at a time.
std::filesystem::path plan_in(const std::filesystem::path& dir) {
  std::ifstream in(e2e::data_dir() / "groups-rollout.toml");
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  auto replace = [&](const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    if (at == std::string::npos) throw std::runtime_error("groups-rollout.toml: no " + from);
    text.replace(at, from.size(), to);
  };
  replace("max_parallel = 3\nmax_failures = 1\n", "max_parallel = 2\n");
  replace("\"emr-grok0001\", \"emr-grok0002\", ", "");
  const auto path = dir / "rollout.toml";
  std::ofstream(path) << text;
  return path;
}

struct GroupBed : CrashBed {
  GroupBed() : CrashBed(kScale, {}, e2e::data_dir() / "groups-fleet.toml") {}
  std::filesystem::path plan = plan_in(bed.dir.path());
  ProcessResult apply(std::vector<std::string> extra = {}, RunOptions options = {}) const {
    options.timeout = std::chrono::seconds{60};
    return bed.apply(cloud, plan, std::move(extra), std::move(options));
  }
};

// A clean run's journal event count.
long clean_run_events() {
  GroupBed b;
  ProcessResult r = b.apply();
  EXPECT_EQ(r.exit_code, 0) << e2e::dump(r);
  return journal_events(b.trail(), e2e::run_id_of(r));
}

void expect_every_item_done_once(GroupBed& b, const std::string& run) {
  // In the trail: each (step, item) finished successfully exactly once, over all processes.
  std::map<std::pair<std::string, std::string>, int> succeeded;
  for (const auto& e : b.trail()) {
    if (e.run_id == run && e.kind == "step_finished" &&
        e.payload.find("\"status\":\"succeeded\"") != std::string::npos) {
      ++succeeded[{e.step_id, e.item}];
    }
  }
  for (std::size_t i = 0; i < kClusters.size(); ++i) {
    for (const char* step : kSteps) {
      EXPECT_EQ((succeeded[{step, std::to_string(i)}]), 1)
          << "step " << step << " of item " << i << " finished successfully that many times";
    }
  }
  // In the cloud: one scale-out and one scale-in per cluster, and the added node gone again.
  b.cloud.advance_ms(3600 * 1000);
  const json::value state = b.cloud.state();
  std::map<std::pair<std::string, std::string>, int> flows;
  for (const auto& f : state.at("Flows").as_array()) {
    const auto& flow = f.as_object();
    ++flows[{str_of(flow, "ClusterId"), str_of(flow, "Action")}];
    EXPECT_EQ(flow.at("Outcome").to_number<std::int64_t>(), 2) << json::serialize(flow);
  }
  for (const auto& c : kClusters) {
    EXPECT_EQ((flows[{c, "ScaleOutInstance"}]), 1) << c << " scaled out that many times";
    EXPECT_EQ((flows[{c, "TerminateTasks"}]), 1) << c << " scaled in that many times";
    // A restart whose answer was lost is sent again (its end leaves nothing a read can see).
    EXPECT_GE((flows[{c, "StartStopServiceOrMonitor"}]), 1) << c;
    EXPECT_LE((flows[{c, "StartStopServiceOrMonitor"}]), 2) << c;
  }
  for (const auto& c : state.at("Clusters").as_array()) {
    EXPECT_EQ(c.at("Nodes").as_array().size(), 3u) << "the added task node is still there: " << c;
  }
  for (const auto& t : state.at("ClientTokens").as_array())
    EXPECT_LE(t.at("ResourcesCreated").to_number<std::int64_t>(), 1) << t;
}

// No record is lost. Items run concurrently, so a kill can find several requests on the wire
// (the lifecycle test's "only the last event" does not apply): the process that finished the
// run answered all of its requests, and every change an earlier process may have sent without
// its answer was reconciled by a later process, for the same step and item.
void expect_requests_answered_or_reconciled(const std::vector<TrailEvent>& trail,
                                            const std::string& run) {
  const auto procs = processes(trail, run);
  ASSERT_FALSE(procs.empty());
  for (std::size_t p = 0; p < procs.size(); ++p) {
    const auto& events = procs[p];
    for (std::size_t i = 0; i < events.size(); ++i) {
      const TrailEvent& req = events[i];
      if (req.kind != "request_sent") continue;
      bool answered = false;
      for (std::size_t j = i + 1; j < events.size() && !answered; ++j) {
        const TrailEvent& a = events[j];
        answered = (a.kind == "response_received" || a.kind == "transport_error") &&
                   a.step_id == req.step_id && a.item == req.item && a.attempt == req.attempt &&
                   a.action == req.action;
      }
      if (answered) continue;
      EXPECT_NE(p + 1, procs.size()) << "the finishing process left request seq " << req.seq << " ("
                                     << req.action << ") unanswered";
      const bool change = req.action == "ScaleOutInstance" ||
                          req.action == "StartStopServiceOrMonitor" ||
                          req.action == "TerminateTasks";
      if (!change) continue;
      bool reconciled = false;
      for (std::size_t q = p + 1; q < procs.size() && !reconciled; ++q) {
        for (const auto& e : procs[q])
          reconciled |= e.kind == "reconciled" && e.step_id == req.step_id && e.item == req.item;
      }
      EXPECT_TRUE(reconciled) << "request seq " << req.seq << " (" << req.step_id << "[" << req.item
                              << "] " << req.action << ") was in flight at the kill and never "
                              << "reconciled";
    }
  }
}

class CrashGroupKill : public ::testing::TestWithParam<int> {};

TEST_P(CrashGroupKill, ResumedEveryItemIsDoneExactlyOnce) {
  const long total = clean_run_events();
  // 3 items x 6 steps, each with at least a start and a finish.
  ASSERT_GE(total, 36) << "the clean run wrote too few events to be the whole rollout";
  for (int k = 0; k < kKillsPerShard; ++k) {
    const unsigned seed = static_cast<unsigned>(GetParam() * kKillsPerShard + k + 1);
    std::mt19937 rng(seed);
    const long n = 1 + static_cast<long>(rng() % static_cast<unsigned long>(total));
    SCOPED_TRACE("seed " + std::to_string(seed) + ": killed after event " + std::to_string(n));
    GroupBed b;
    RunOptions kill;
    kill.test_hooks = true;
    kill.env["TCPLAN_TEST_KILL_AFTER_EVENTS"] = std::to_string(n);
    ProcessResult killed = b.apply({}, kill);
    const std::string run = e2e::run_id_of(killed);
    ASSERT_FALSE(run.empty()) << e2e::dump(killed);
    if (killed.exit_code == 0) {
      // How many polls a wait makes depends on timing: a run may end before its Nth event.
      EXPECT_LT(journal_events(b.trail(), run), n);
    } else {
      ASSERT_EQ(killed.exit_code, 128 + 9) << e2e::dump(killed);
      EXPECT_EQ(journal_events(b.trail(), run), n) << "the killed process's events are not all in";
      ProcessResult resumed;
      for (int tries = 0; tries < 3; ++tries) {
        resumed = b.apply({"--resume", "--explain"});
        if (resumed.exit_code == 0) break;
      }
      ASSERT_EQ(resumed.exit_code, 0) << e2e::dump(resumed);
      EXPECT_EQ(e2e::run_id_of(resumed), run);
    }
    ProcessResult verify = b.bed.tcplan(b.cloud, {"audit", "verify"});
    EXPECT_EQ(verify.exit_code, 0) << e2e::dump(verify);
    expect_requests_answered_or_reconciled(b.trail(), run);
    expect_every_item_done_once(b, run);
    if (HasFailure()) return;
  }
}

INSTANTIATE_TEST_SUITE_P(Shards, CrashGroupKill, ::testing::Range(0, kShards));

}  // namespace crash_group_test
}  // namespace tcplan::testing::crash
