// The fleet benchmark's lower bound on the makespan: what the documented rate limits and flow
// durations force on the plan of inputs.h whatever the client does. Each for_each step is a
// barrier, so it is a sum over the steps; docs/benchmarks.md ("Executor") derives each term.
#pragma once

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "api/catalog.h"
#include "emulator/cloud/flows.h"

namespace tcplan::bench {

struct BoundTerm {
  std::string step;
  double seconds = 0;
  std::string why;
};

struct LowerBound {
  double seconds = 0;
  std::vector<BoundTerm> terms;
};

// N calls of one action paced at its documented rate r cannot all be sent in less than
// (N - 1) / r: consecutive sends are at least 1/r apart.
inline double paced_seconds(int n, const std::string& action) {
  const auto* spec = api::Catalog::builtin().find("emr", action);
  if (spec == nullptr || spec->rate_limit <= 0) throw std::runtime_error("no rate for " + action);
  return (n - 1) / static_cast<double>(spec->rate_limit);
}

// A flow's documented duration (the emulator model's stages), in wall seconds at `scale`.
inline double flow_seconds(const char* kind, double scale) {
  std::int64_t ms = 0;
  for (const auto& stage : emulator::cloud::default_stages(kind))
    ms += stage.duration_ms;
  return ms / 1000.0 / scale;
}

inline LowerBound fleet_lower_bound(int n, double scale) {
  const double grow = paced_seconds(n, "ScaleOutInstance");
  const double poll = paced_seconds(n, "DescribeInstances");
  const double restart = paced_seconds(n, "StartStopServiceOrMonitor");
  const double nodes = paced_seconds(n, "DescribeClusterNodes");
  const double scale_out = flow_seconds("scale_out", scale);
  const double restart_flow = flow_seconds("restart", scale);
  const double scale_in = flow_seconds("scale_in", scale);
  LowerBound b;
  b.terms = {
      {"grow", grow, "N ScaleOutInstance, paced"},
      {"wait-grow", std::max(poll, scale_out),
       "N DescribeInstances paced, or the last scale-out flow (sent at the end of grow), if "
       "longer"},
      {"restart-yarn", restart + restart_flow,
       "N StartStopServiceOrMonitor paced, then the last one's restart flow"},
      {"wait-restart", poll, "N DescribeInstances, paced"},
      {"shrink", nodes,
       "N DescribeClusterNodes paced (each TerminateTasks follows its own read; the last "
       "one's round trip is not counted)"},
      {"wait-shrink", std::max(poll, scale_in),
       "N DescribeInstances paced, or the last scale-in flow, if longer"},
  };
  for (const auto& t : b.terms)
    b.seconds += t.seconds;
  return b;
}

}  // namespace tcplan::bench
