// The fleet benchmark's lower bound on the makespan: what the documented rate limits and flow
// durations force on the plans of inputs.h whatever the client does: for the barrier form a
// sum over the steps, for the pipelined form the slowest stream plus one item's flows;
// docs/benchmarks.md ("Executor") derives each term.
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

// The barrier plan when status reads are batched (one DescribeInstances per 100 clusters): the
// waits cost a few calls, so each wait is bounded by the last flow of the step before it.
inline LowerBound fleet_batched_lower_bound(int n, double scale) {
  const double grow = paced_seconds(n, "ScaleOutInstance");
  const double restart = paced_seconds(n, "StartStopServiceOrMonitor");
  const double nodes = paced_seconds(n, "DescribeClusterNodes");
  LowerBound b;
  b.terms = {
      {"grow", grow, "N ScaleOutInstance, paced"},
      {"wait-grow", flow_seconds("scale_out", scale), "the last scale-out flow"},
      {"restart-yarn", restart + flow_seconds("restart", scale),
       "N StartStopServiceOrMonitor paced, then the last one's restart flow"},
      {"wait-restart", 0, "batched status reads: a few calls"},
      {"shrink", nodes, "N DescribeClusterNodes paced"},
      {"wait-shrink", flow_seconds("scale_in", scale), "the last scale-in flow"},
  };
  for (const auto& t : b.terms)
    b.seconds += t.seconds;
  return b;
}

// A per-item pipeline. Every item goes through the same chain: grow call, scale-out flow,
// one flow read, restart call, restart flow, status read, node read, scale-in call, scale-in
// flow, status read. Each rate-limited action is a stream of N calls (N - 1)/r long, and the
// item whose call is last in that stream still has the rest of its chain ahead of it, while
// its first call of the stream could not come before the flows ahead of it in the chain. So
//   bound = max over streams s of (N - 1)/r_s  +  F_out + F_restart + F_in
// (calls' round trips and the batched status reads counted as zero): 9.95 + 5 + 2 + 3 =
// 19.95 s for N = 200 at S = 60, 9.95 + 60 = 69.95 s at S = 10.
inline LowerBound fleet_pipeline_lower_bound(int n, double scale) {
  const char* streams[] = {"ScaleOutInstance", "DescribeClusterFlowStatusDetail",
                           "StartStopServiceOrMonitor", "DescribeClusterNodes", "TerminateTasks"};
  double slowest = 0;
  std::string which;
  for (const char* s : streams) {
    if (paced_seconds(n, s) > slowest) {
      slowest = paced_seconds(n, s);
      which = s;
    }
  }
  LowerBound b;
  b.terms = {
      {"stream", slowest, "N " + which + " paced (the slowest stream; all are 20/s)"},
      {"scale-out", flow_seconds("scale_out", scale), "the last item's scale-out flow"},
      {"restart", flow_seconds("restart", scale), "its restart flow"},
      {"scale-in", flow_seconds("scale_in", scale), "its scale-in flow"},
  };
  for (const auto& t : b.terms)
    b.seconds += t.seconds;
  return b;
}

}  // namespace tcplan::bench
