// The crash test's cycle for plans/lifecycle.toml: kill `tcplan apply` right after its Nth
// audit event (TCPLAN_TEST_KILL_AFTER_EVENTS), resume until the run finishes, and check that
// the cloud holds exactly what the plan describes and the trail lost nothing. Shared by the
// crash_*_test.cc files; header-only because only tests/<folder>/*_test.cc are compiled.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/executor/crash/trail.h"
#include "tests/executor/e2e.h"

namespace tcplan::testing::crash {

namespace json = boost::json;

inline std::filesystem::path lifecycle_plan() {
  return e2e::plans_dir() / "lifecycle.toml";
}

// One N's world: a fresh emulator whose state lives in a file (so it would survive a
// restart), a fresh audit trail, and the runs made against them.
struct CrashBed {
  e2e::Bed bed;
  LocalCloud cloud;
  explicit CrashBed(double time_scale, const std::filesystem::path& faults = {},
                    const std::filesystem::path& fixture = {})
      : cloud(options(bed, time_scale, faults, fixture)) {}
  std::vector<TrailEvent> trail() const { return read_trail(bed.db); }

 private:
  static LocalCloudOptions options(const e2e::Bed& b, double time_scale,
                                   const std::filesystem::path& faults,
                                   const std::filesystem::path& fixture) {
    LocalCloudOptions o;
    o.fixture = fixture;
    o.state_file = b.dir / "cloud.db";
    o.time_scale = time_scale;
    o.faults = faults;
    return o;
  }
};

// Journal events (what the kill hook counts) of `run` in the trail.
inline long journal_events(const std::vector<TrailEvent>& trail, const std::string& run) {
  long n = 0;
  for (const auto& e : trail)
    n += e.run_id == run && journal_kind(e.kind);
  return n;
}

// The trail of `run` cut into the processes that wrote it: each begins with the lease it took
// (lease_acquired or lease_taken_over) and its run_started right after.
inline std::vector<std::vector<TrailEvent>> processes(const std::vector<TrailEvent>& trail,
                                                      const std::string& run) {
  std::vector<std::vector<TrailEvent>> out;
  for (const auto& e : trail) {
    if (e.run_id != run) continue;
    const bool lease = e.kind == "lease_acquired" || e.kind == "lease_taken_over";
    const bool after_lease = !out.empty() && (out.back().back().kind == "lease_acquired" ||
                                              out.back().back().kind == "lease_taken_over");
    if (out.empty() || lease || (e.kind == "run_started" && !after_lease)) out.emplace_back();
    out.back().push_back(e);
  }
  return out;
}

// No record is lost: every request has its answer (response or transport error) from the
// same process, except one in flight at a kill, which must be that process's last journal
// event; and when it could have changed something (attempt >= 1) a later process of the run
// recorded how it reconciled that step.
inline void expect_every_request_answered(const std::vector<TrailEvent>& trail,
                                          const std::string& run) {
  auto procs = processes(trail, run);
  for (std::size_t p = 0; p < procs.size(); ++p) {
    const auto& events = procs[p];
    const TrailEvent* last_journal = nullptr;
    for (const auto& e : events)
      if (journal_kind(e.kind)) last_journal = &e;
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
      EXPECT_EQ(last_journal, &req) << "request seq " << req.seq << " (" << req.step_id << " "
                                    << req.action << ") has no answer and is not a torn tail";
      if (req.attempt < 1) continue;
      bool reconciled = false;
      for (std::size_t q = p + 1; q < procs.size() && !reconciled; ++q) {
        for (const auto& e : procs[q])
          reconciled |= e.kind == "reconciled" && e.step_id == req.step_id;
      }
      EXPECT_TRUE(reconciled) << "request seq " << req.seq << " (" << req.step_id << " "
                              << req.action << ") was in flight at the kill and never reconciled";
    }
  }
}

inline std::string str_of(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

inline bool has_tag(const json::object& o, const std::string& key, const std::string& value) {
  auto* tags = o.if_contains("Tags");
  if (!tags || !tags->is_array()) return false;
  for (const auto& t : tags->as_array()) {
    if (t.is_object() && str_of(t.as_object(), "TagKey") == key &&
        str_of(t.as_object(), "TagValue") == value) {
      return true;
    }
  }
  return false;
}

// What the lifecycle plan leaves in the cloud when it succeeded exactly once: one cluster
// ever created (tagged with the run), terminated; one flow per mutating step, each finished;
// a ClientToken never created more than its request asked for. `max_restarts` is 2 when a
// restart's answer was lost on the line: a restart that already ended leaves no trace a read
// can see, so tcplan sends it again (docs/executor.md).
inline void expect_lifecycle_done(const json::value& state, const std::string& run,
                                  std::int64_t max_restarts = 1) {
  const auto& clusters = state.at("Clusters").as_array();
  ASSERT_EQ(clusters.size(), 1u) << "exactly one cluster created in total:\n" << state;
  const auto& cluster = clusters[0].as_object();
  EXPECT_TRUE(cluster.at("Terminated").as_bool()) << "the cluster was not terminated";
  EXPECT_TRUE(has_tag(cluster, "tcplan:run", run)) << "the cluster is not the run's";

  std::map<std::string, std::int64_t> flows;
  for (const auto& f : state.at("Flows").as_array()) {
    const auto& flow = f.as_object();
    ++flows[str_of(flow, "Action")];
    EXPECT_EQ(flow.at("Outcome").to_number<std::int64_t>(), 2) << json::serialize(flow);
  }
  EXPECT_EQ(flows["CreateInstance"], 1) << "cluster created twice";
  EXPECT_EQ(flows["ScaleOutInstance"], 1) << "scaled out twice";
  EXPECT_EQ(flows["TerminateTasks"], 1) << "the added nodes were not removed exactly once";
  EXPECT_EQ(flows["TerminateInstance"], 1);
  EXPECT_GE(flows["StartStopServiceOrMonitor"], 1) << "YARN was never restarted";
  EXPECT_LE(flows["StartStopServiceOrMonitor"], max_restarts) << "YARN restarted again";

  const StateCounts counts = count_state(state);
  EXPECT_LE(counts.max_resources_per_token, 1u) << "a create's ClientToken made two clusters";
  EXPECT_EQ(counts.clusters, 0u);
  // A create token makes one cluster; the scale-out's token makes its TaskCount = 2 nodes.
  for (const auto& t : state.at("ClientTokens").as_array()) {
    const auto& token = t.as_object();
    auto made = token.at("ResourcesCreated").to_number<std::int64_t>();
    EXPECT_LE(made, str_of(token, "Action") == "ScaleOutInstance" ? 2 : 1)
        << json::serialize(token);
  }
}

// The nodes "shrink" removed are exactly the two "grow" added: its recorded selection against
// the cluster's node list as the emulator answered the selection read (nodes carry the tags
// of the scale-out that added them).
inline void expect_shrink_removed_grown_nodes(const std::vector<TrailEvent>& trail,
                                              const std::string& run) {
  std::set<std::string> grown;
  std::vector<std::string> selected;
  for (const auto& e : trail) {
    if (e.run_id != run || e.step_id != "shrink") continue;
    json::value p = json::parse(e.payload);
    if (e.kind == "response_received" && e.action == "DescribeClusterNodes") {
      const auto* list = p.at("body").at("Response").as_object().if_contains("NodeList");
      for (const auto& n : list ? list->as_array() : json::array{}) {
        if (has_tag(n.as_object(), "tcplan:step", "grow") &&
            has_tag(n.as_object(), "tcplan:run", run))
          grown.insert(str_of(n.as_object(), "EmrResourceId"));
      }
    }
    if (e.kind == "step_started" && p.as_object().contains("selected")) {
      selected.clear();
      for (const auto& s : p.at("selected").as_array())
        selected.emplace_back(s.as_string());
    }
  }
  EXPECT_EQ(selected.size(), 2u) << "shrink did not select the 2 nodes grow added";
  for (const auto& id : selected)
    EXPECT_TRUE(grown.count(id)) << "shrink selected " << id << ", not a node grow added";
}

inline ProcessResult apply_lifecycle(const CrashBed& b, std::vector<std::string> extra = {},
                                     RunOptions options = {}) {
  options.timeout = std::chrono::seconds{60};
  return b.bed.apply(b.cloud, lifecycle_plan(), std::move(extra), std::move(options));
}

// A clean run of the lifecycle plan on its own bed: its journal event count E.
inline long lifecycle_events(double time_scale, const std::filesystem::path& faults = {}) {
  CrashBed b(time_scale, faults);
  ProcessResult r = apply_lifecycle(b);
  EXPECT_EQ(r.exit_code, 0) << e2e::dump(r);
  return journal_events(b.trail(), e2e::run_id_of(r));
}

// Kill after event N, resume (at most 3 times) until the run succeeds, then check the cloud
// and the trail. `advance_ms` moves the emulator's clock between the kill and the first resume
// (6 minutes: every ClientToken the killed process sent is forgotten). Returns the number of
// resumes it took (0 when the run had fewer than N events and finished without being killed).
inline int kill_and_resume(long n, double time_scale, const std::filesystem::path& faults = {},
                           std::int64_t max_restarts = 1, std::int64_t advance_ms = 0) {
  SCOPED_TRACE("killed after event " + std::to_string(n));
  CrashBed b(time_scale, faults);
  RunOptions kill;
  kill.test_hooks = true;
  kill.env["TCPLAN_TEST_KILL_AFTER_EVENTS"] = std::to_string(n);
  ProcessResult killed = apply_lifecycle(b, {}, kill);
  const std::string run = e2e::run_id_of(killed);
  EXPECT_FALSE(run.empty()) << e2e::dump(killed);
  const long written = journal_events(b.trail(), run);
  int resumes = 0;
  if (killed.exit_code == 0) {
    // Timing decides how many polls a wait makes, so a run may end before its Nth event.
    EXPECT_LT(written, n) << "finished although it had written " << written << " events";
  } else {
    EXPECT_EQ(killed.exit_code, 128 + 9) << e2e::dump(killed);
    EXPECT_EQ(written, n) << "the killed process's events are not all in the trail";
    if (advance_ms > 0) b.cloud.advance_ms(advance_ms);
    ProcessResult resumed;
    while (resumes < 3) {
      ++resumes;
      resumed = apply_lifecycle(b, {"--resume", "--explain"});
      if (resumed.exit_code == 0) break;
    }
    EXPECT_EQ(resumed.exit_code, 0) << "after " << resumes << " resumes\n" << e2e::dump(resumed);
    EXPECT_EQ(e2e::run_id_of(resumed), run) << e2e::dump(resumed);
  }

  ProcessResult verify = b.bed.tcplan(b.cloud, {"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << e2e::dump(verify);
  // Flows settle only when something reads the model: make every one of them reach its end.
  b.cloud.advance_ms(3600 * 1000);
  expect_lifecycle_done(b.cloud.state(), run, max_restarts);
  auto trail = b.trail();
  expect_every_request_answered(trail, run);
  expect_shrink_removed_grown_nodes(trail, run);
  return resumes;
}

}  // namespace tcplan::testing::crash
