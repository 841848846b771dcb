#include "emulator/cloud/flows.h"

#include <algorithm>
#include <boost/json.hpp>
#include <limits>

#include "emulator/cloud/ids.h"
#include "emulator/cloud/times.h"

namespace tcplan::emulator::cloud {

namespace json = boost::json;

namespace {

constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;

struct Window {
  std::int64_t start;
  std::int64_t end;
};

std::vector<Window> windows(const Flow& f) {
  std::vector<Window> w;
  std::int64_t t = f.start_ms;
  for (const auto& s : f.stages) {
    w.push_back({t, t + s.duration_ms});
    t += s.duration_ms;
  }
  return w;
}

// When the flow stops moving: the failing stage's end (-1) or half-way through the blocked
// stage (-3). Otherwise it runs to its end.
std::int64_t stop_ms(const Flow& f, const std::vector<Window>& w) {
  if (f.fault_stage < 0 || f.fault_stage >= static_cast<int>(w.size())) return w.back().end;
  const Window& k = w[static_cast<std::size_t>(f.fault_stage)];
  if (f.outcome == -1) return k.end;
  if (f.outcome == -3) return k.start + (k.end - k.start) / 2;
  return w.back().end;
}

}  // namespace

// Flow durations and stages are undocumented; these are the emulator's (flows.h,
// docs/emulator-model.md). Stage keys are in the style of the SDK example ("resizeDisk").
std::vector<Stage> default_stages(std::string_view kind, std::int64_t extra_ms) {
  if (kind == "create")
    return {{"prepareResource", "Prepare resources", 2 * kMinute},
            {"applyCvm", "Apply for CVM instances", 3 * kMinute},
            {"initNodes", "Initialise nodes", 2 * kMinute},
            {"installComponents", "Install components", 2 * kMinute},
            {"startServices", "Start services", 1 * kMinute}};
  if (kind == "scale_out")
    return {{"applyResource", "Apply for resources", 2 * kMinute},
            {"initNodes", "Initialise nodes", 1 * kMinute},
            {"deployServices", "Deploy services", 90 * kSecond},
            {"startServices", "Start services", 30 * kSecond}};
  if (kind == "scale_in")
    return {{"decommission", "Decommission services", 90 * kSecond + extra_ms},
            {"releaseResource", "Release resources", 90 * kSecond}};
  if (kind == "restart")
    return {{"checkCluster", "Check cluster", 30 * kSecond},
            {"restartServices", "Restart services", 90 * kSecond}};
  if (kind == "terminate")
    return {{"stopServices", "Stop services", 30 * kSecond},
            {"releaseResource", "Release resources", 90 * kSecond}};
  return {{"operateServices", "Operate services", 1 * kMinute}};
}

std::int64_t total_duration(const Flow& f) {
  std::int64_t t = 0;
  for (const auto& s : f.stages)
    t += s.duration_ms;
  return t;
}

std::int64_t effect_ms(const Flow& f) {
  auto w = windows(f);
  if (w.empty()) return f.start_ms;
  if (f.outcome == -3) return std::numeric_limits<std::int64_t>::max();
  return stop_ms(f, w);
}

FlowView view_flow(const Flow& f, std::int64_t now_ms) {
  FlowView v;
  auto w = windows(f);
  if (w.empty()) {
    v.total_status = f.outcome;
    v.progress = 1;
    return v;
  }
  const std::int64_t stop = stop_ms(f, w);
  const bool stopped = now_ms >= stop;
  const std::int64_t t = std::min(now_ms, stop);
  const std::int64_t total = std::max<std::int64_t>(1, w.back().end - f.start_ms);
  v.progress =
      std::clamp(static_cast<double>(t - f.start_ms) / static_cast<double>(total), 0.0, 1.0);
  if (stopped)
    v.total_status = f.outcome;
  else
    // FlowTotalStatus 0 initialising, 1 running, then the outcome: 2, 3, -1 or -3
    // (docs/cloud-api.md, "Flow status").
    v.total_status = now_ms - f.start_ms < kInitialisingMs ? 0 : 1;

  for (std::size_t i = 0; i < f.stages.size(); ++i) {
    const Stage& s = f.stages[i];
    const bool is_fault = static_cast<int>(i) == f.fault_stage;
    int status = 0;
    double progress = 0;
    std::string desc = "Not started";
    json::value start = nullptr, end = nullptr;
    std::string failed_reason, took;
    if (t >= w[i].start) {
      start = json::value(beijing_time(w[i].start));
      status = 1;
      desc = "Running";
      progress = static_cast<double>(t - w[i].start) /
                 static_cast<double>(std::max<std::int64_t>(1, s.duration_ms));
    }
    if (t >= w[i].end) {
      status = 2;
      desc = "Finished";
      progress = 1;
      end = json::value(beijing_time(w[i].end));
      took = "took " + duration_text(w[i].end - w[i].start);
    }
    // StageDetails Status: -1 failed (with FailedReason), 3 partially done for a skipped
    // stage; a blocked stage stays in progress (docs/cloud-api.md, "Flow status").
    if (is_fault && stopped) {
      if (f.outcome == -1) {
        status = -1;
        desc = "Failed";
        failed_reason = f.failed_reason;
      } else if (f.outcome == -3) {
        status = 1;
        desc = "Blocked";
        progress = 0.5;
      } else if (f.outcome == 3) {
        status = 3;
        desc = "Skipped";
      }
    }
    v.stages.push_back(json::object{{"Stage", s.key},
                                    {"Name", s.name},
                                    {"IsShow", true},
                                    {"IsSubFlow", false},
                                    {"SubFlowFlag", ""},
                                    {"Status", status},
                                    {"Desc", desc},
                                    {"Progress", std::clamp(progress, 0.0, 1.0)},
                                    {"Starttime", start},
                                    {"Endtime", end},
                                    {"HadWoodDetail", false},
                                    {"WoodJobId", 0},
                                    {"LanguageKey", "emr.flow." + s.key},
                                    {"FailedReason", failed_reason},
                                    {"TimeConsuming", took},
                                    {"Id", static_cast<std::int64_t>(i + 1)}});
  }
  return v;
}

void apply_flow_faults(Flow& f, const std::vector<FlowFault>& faults, StateStore& db,
                       std::uint64_t seed) {
  const FlowFault* chosen = nullptr;
  for (std::size_t i = 0; i < faults.size(); ++i) {
    const FlowFault& fault = faults[i];
    if (fault.action != "*" && fault.action != f.action) continue;
    bool hit = false;
    if (fault.nth > 0) {
      // Counted for every matching flow, so "the 2nd ScaleOutInstance" means the same flow
      // whichever process started it.
      hit = db.next_counter("fault_seen_" + std::to_string(i), 1) == fault.nth;
    } else {
      hit = unit_hash(seed, static_cast<std::uint64_t>(f.id), i) < fault.probability;
    }
    if (hit && !chosen) chosen = &fault;
  }
  if (!chosen || f.stages.empty()) return;
  f.outcome = chosen->outcome;
  f.fault_stage =
      static_cast<int>(mix64(seed ^ static_cast<std::uint64_t>(f.id)) % f.stages.size());
  if (f.outcome == -1)
    f.failed_reason =
        chosen->failed_reason.empty() ? "emulator: injected flow failure" : chosen->failed_reason;
}

}  // namespace tcplan::emulator::cloud
