// What a poll means. Flow waits read DescribeClusterFlowStatusDetail: FlowTotalStatus 2 done,
// 3 done with skipped stages, -1 failed (with each failed stage's reason), -3 blocked (fail
// fast: it will not unblock by itself), 0/1 keep waiting. Status waits read DescribeInstances:
// 2 running, 301/302 terminal failures, absent = terminated. Pure functions over the JSON.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <string>
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

// Words for an EMR cluster status code (docs/cloud-api.md, "Cluster status").
std::string cluster_status_name(std::int64_t status);

// Next poll interval: starts at the step's `poll`, grows by half each time, capped at 60 s.
std::chrono::milliseconds next_poll_interval(std::chrono::milliseconds current);

}  // namespace tcplan::executor
