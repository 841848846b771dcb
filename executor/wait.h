// What a poll means. Flow waits read DescribeClusterFlowStatusDetail: FlowTotalStatus 2 done,
// 3 done with skipped stages, -1 failed (with each failed stage's reason), -3 blocked (fail
// fast: it will not unblock by itself), 0/1 keep waiting. Status waits read DescribeInstances:
// 2 running, 301/302 terminal failures, absent = terminated. Pure functions over the JSON.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tcplan::executor {

enum class WaitVerdict { kKeepWaiting, kSucceeded, kFailed };

struct WaitObservation {
  WaitVerdict verdict = WaitVerdict::kKeepWaiting;
  std::string state;     // "running 38% (stage: Scale Out Core)", "status 4 (scaling out)"
  double progress = -1;  // 0..1 when the response says, else -1
  std::string stage;     // the stage in progress, if any
  std::string detail;    // why it failed, or which stages were skipped
  std::vector<std::string> skipped_stages;
  // Compared between polls so that only state changes are recorded in the audit trail.
  std::string fingerprint() const;
};

// A DescribeClusterFlowStatusDetail response (the contents of "Response").
WaitObservation observe_flow(const boost::json::object& response);

enum class ClusterTarget { kRunning, kTerminated };

// An EMR DescribeInstances response filtered to one cluster id.
WaitObservation observe_cluster(const boost::json::object& response, const std::string& cluster_id,
                                ClusterTarget target);
// The same for one cluster's entry of the ClusterList (nullptr: the cluster is not listed), as
// a batched status read hands it to each of its waiters.
WaitObservation observe_cluster_info(const boost::json::object* cluster,
                                     const std::string& cluster_id, ClusterTarget target);

// Words for an EMR cluster status code (docs/cloud-api.md, "Cluster status").
std::string cluster_status_name(std::int64_t status);

// Next poll interval: starts at the step's `poll`, grows by half each time, capped at 60 s.
std::chrono::milliseconds next_poll_interval(std::chrono::milliseconds current);

// How long the flow an EMR action starts takes, as docs/emulator-model.md documents it (cloud
// time; zero when the action starts no flow tcplan knows): create 10 min, scale-out 5 min,
// scale-in 3 min, a service restart 2 min (other service operations 1 min), terminate 2 min.
// A lower bound: the cloud may take longer, never usefully less.
std::chrono::milliseconds documented_flow_duration(std::string_view service,
                                                   std::string_view action,
                                                   const boost::json::object& params);

// When to read a flow's (or its cluster's) state next. All durations in our time (already
// divided by the time scale).
struct PollTiming {
  std::optional<std::chrono::milliseconds> since_start;  // since the flow started; unknown: none
  std::chrono::milliseconds expected{0};                 // its documented duration; 0: unknown
  double progress = -1;                   // the last read's FlowTotalProgress (0..1), -1: none
  std::chrono::milliseconds interval{0};  // the step's poll interval, as it backs off
  std::chrono::milliseconds cap{60000};   // the longest wait between reads
  bool first = false;                     // no read was made yet
};
// No read before the flow is expected to end (one earlier can only say "still running", and
// each read spends a slot of a rate-limited action); after that, every `interval`, or what the
// reported progress says is left (elapsed x (1 - p) / p, at most `cap`) when that is longer.
std::chrono::milliseconds poll_delay(const PollTiming& t);

}  // namespace tcplan::executor
