// Flows: the stages each kind of operation goes through and how long each takes (virtual time),
// what a flow looks like at a given moment (DescribeClusterFlowStatusDetail), when its outcome
// takes effect, and which scripted fault (CloudOptions::flow_faults) a new flow gets.
//
// Default durations at time scale 1 (the clock runs time_scale times faster than the wall):
//   create 10 min, scale_out 5 min, scale_in 3 min (+ GraceDownTime), restart 2 min,
//   service (start/stop/maintenance) 1 min, terminate 2 min.
// A flow reports FlowTotalStatus 0 (initialising) for its first 10 s, then 1 until it ends.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string_view>
#include <vector>

#include "emulator/cloud.h"
#include "emulator/cloud/model.h"
#include "emulator/cloud/state_store.h"

namespace tcplan::emulator::cloud {

inline constexpr std::int64_t kInitialisingMs = 10'000;

// The stages of a kind of flow (create, scale_out, scale_in, restart, service, terminate).
std::vector<Stage> default_stages(std::string_view kind, std::int64_t extra_ms = 0);
std::int64_t total_duration(const Flow& f);

// When the flow's outcome is applied: its end (2, 3), the end of the failing stage (-1), or
// never (-3: a blocked flow holds its cluster until someone intervenes).
std::int64_t effect_ms(const Flow& f);

struct FlowView {
  int total_status = 0;       // 0 initialising, 1 running, 2, 3, -1, -3
  double progress = 0;        // 0..1
  boost::json::array stages;  // StageInfoDetail objects
};
FlowView view_flow(const Flow& f, std::int64_t now_ms);

// Decides the flow's outcome from the fault script: the first fault whose action matches and
// whose nth count (kept in the state DB) or seeded probability hits. Sets outcome, fault_stage
// and failed_reason; a flow no fault hits finishes with 2.
void apply_flow_faults(Flow& f, const std::vector<FlowFault>& faults, StateStore& db,
                       std::uint64_t seed);

}  // namespace tcplan::emulator::cloud
