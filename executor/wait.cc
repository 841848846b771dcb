#include "executor/wait.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <map>

#include "planner/predict.h"

namespace tcplan::executor {

namespace json = boost::json;

namespace {

std::int64_t int_field(const json::object& o, std::string_view key, std::int64_t fallback) {
  auto* v = o.if_contains(key);
  if (!v) return fallback;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  if (v->is_double()) return static_cast<std::int64_t>(v->as_double());
  if (v->is_string()) {
    try {
      return std::stoll(std::string(v->as_string()));
    } catch (...) {
      return fallback;
    }
  }
  return fallback;
}

std::string string_field(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string percent(double p) {
  return std::to_string(static_cast<int>(std::lround(std::clamp(p, 0.0, 1.0) * 100))) + "%";
}

}  // namespace

std::string WaitObservation::fingerprint() const {
  return std::to_string(static_cast<int>(verdict)) + "|" + state + "|" + stage + "|" + detail;
}

WaitObservation observe_flow(const json::object& response) {
  WaitObservation obs;
  std::int64_t status = int_field(response, "FlowTotalStatus", 0);
  if (auto* p = response.if_contains("FlowTotalProgress"); p && p->is_number()) {
    obs.progress = p->to_number<double>();
  }
  std::vector<std::string> failures;
  if (auto* stages = response.if_contains("StageDetails"); stages && stages->is_array()) {
    for (const auto& s : stages->as_array()) {
      if (!s.is_object()) continue;
      const auto& stage = s.as_object();
      std::string name = string_field(stage, "Name");
      if (name.empty()) name = string_field(stage, "Stage");
      std::int64_t st = int_field(stage, "Status", 0);
      if (st == 1 && obs.stage.empty()) obs.stage = name;
      if (st == -1) {
        std::string reason = string_field(stage, "FailedReason");
        failures.push_back(name + ": " + (reason.empty() ? "failed (no reason given)" : reason));
      }
      if (st == 3) obs.skipped_stages.push_back(name);
    }
  }
  std::string name = string_field(response, "FlowName");
  auto describe = [&](const std::string& what) {
    std::string s = what;
    if (obs.progress >= 0) s += " " + percent(obs.progress);
    if (!obs.stage.empty()) s += " (stage: " + obs.stage + ")";
    return s;
  };
  switch (status) {
    case 2:
      obs.verdict = WaitVerdict::kSucceeded;
      obs.state = "finished";
      break;
    case 3:
      obs.verdict = WaitVerdict::kSucceeded;
      obs.state = "finished with skipped stages";
      if (obs.skipped_stages.empty()) {
        obs.detail = "the flow reports skipped stages";
      } else {
        obs.detail = "skipped:";
        for (const auto& s : obs.skipped_stages)
          obs.detail += " " + s + ";";
        obs.detail.pop_back();
      }
      break;
    case -1:
      obs.verdict = WaitVerdict::kFailed;
      obs.state = "failed";
      if (failures.empty()) {
        obs.detail = "flow " + (name.empty() ? std::string("") : "'" + name + "' ") +
                     "failed (FlowTotalStatus -1) without a stage reason";
      } else {
        for (const auto& f : failures)
          obs.detail += (obs.detail.empty() ? "" : "; ") + f;
      }
      break;
    case -3:
      obs.verdict = WaitVerdict::kFailed;
      obs.state = "blocked";
      obs.detail = "flow is blocked (FlowTotalStatus -3) and will not finish by itself";
      if (!obs.stage.empty()) obs.detail += "; stuck at stage " + obs.stage;
      break;
    case 0:
      obs.state = describe("initialising");
      break;
    case 1:
      obs.state = describe("running");
      break;
    default:
      // Undocumented values: keep waiting (the timeout still bounds it), but say what we saw.
      obs.state = describe("status " + std::to_string(status));
      break;
  }
  return obs;
}

std::string cluster_status_name(std::int64_t status) {
  static const std::map<std::int64_t, const char*> kNames = {
      {2, "running"},
      {3, "creating"},
      {4, "scaling out"},
      {5, "adding router nodes"},
      {6, "installing components"},
      {7, "executing command"},
      {8, "restarting services"},
      {9, "entering maintenance"},
      {10, "pausing service"},
      {11, "exiting maintenance"},
      {12, "exiting pause"},
      {13, "pushing configuration"},
      {14, "destroying cluster"},
      {15, "destroying core nodes"},
      {16, "destroying task nodes"},
      {17, "destroying router nodes"},
      {18, "changing webproxy password"},
      {19, "isolating"},
      {20, "reversing"},
      {21, "reclaiming"},
      {22, "waiting for reconfiguration"},
      {23, "isolated"},
      {24, "scaling in nodes"},
      {33, "waiting for refund"},
      {34, "refunded"},
      {201, "destroyed"},
      {301, "create failed"},
      {302, "scale-out failed"},
  };
  auto it = kNames.find(status);
  return it == kNames.end() ? "unknown status" : it->second;
}

WaitObservation observe_cluster(const json::object& response, const std::string& cluster_id,
                                ClusterTarget target) {
  const json::object* cluster = nullptr;
  if (auto* list = response.if_contains("ClusterList"); list && list->is_array()) {
    for (const auto& c : list->as_array()) {
      if (c.is_object() && string_field(c.as_object(), "ClusterId") == cluster_id) {
        cluster = &c.as_object();
      }
    }
  }
  return observe_cluster_info(cluster, cluster_id, target);
}

WaitObservation observe_cluster_info(const json::object* cluster, const std::string& cluster_id,
                                     ClusterTarget target) {
  WaitObservation obs;
  if (cluster == nullptr) {
    obs.state = "gone";
    if (target == ClusterTarget::kTerminated) {
      obs.verdict = WaitVerdict::kSucceeded;
    } else {
      obs.verdict = WaitVerdict::kFailed;
      obs.detail = "cluster " + cluster_id + " is not listed by DescribeInstances";
    }
    return obs;
  }
  std::int64_t status = int_field(*cluster, "Status", -1);
  obs.state = "status " + std::to_string(status) + " (" + cluster_status_name(status) + ")";
  if (target == ClusterTarget::kTerminated && status == 201) {
    obs.verdict = WaitVerdict::kSucceeded;
    return obs;
  }
  if (status == 301 || status == 302) {
    obs.verdict = WaitVerdict::kFailed;
    obs.detail = "cluster " + cluster_id + " " + cluster_status_name(status) + " (status " +
                 std::to_string(status) + ")";
    std::string alarm = string_field(*cluster, "AlarmInfo");
    if (!alarm.empty()) obs.detail += ": " + alarm;
    return obs;
  }
  if (target == ClusterTarget::kRunning && status == 2) obs.verdict = WaitVerdict::kSucceeded;
  return obs;
}

std::chrono::milliseconds next_poll_interval(std::chrono::milliseconds current) {
  // The planner predicts durations with the same rule.
  return planner::next_poll_interval(current);
}

std::chrono::milliseconds documented_flow_duration(std::string_view service,
                                                   std::string_view action,
                                                   const json::object& params) {
  using std::chrono::minutes;
  if (service != "emr") return {};
  if (action == "CreateInstance" || action == "CreateCluster") return minutes{10};
  if (action == "ScaleOutInstance" || action == "ScaleOutCluster") return minutes{5};
  if (action == "TerminateTasks" || action == "TerminateClusterNodes") return minutes{3};
  if (action == "TerminateInstance") return minutes{2};
  if (action == "StartStopServiceOrMonitor") {
    return string_field(params, "OpType") == "RestartService" ? minutes{2} : minutes{1};
  }
  return {};
}

std::chrono::milliseconds poll_delay(const PollTiming& t) {
  using ms = std::chrono::milliseconds;
  const ms zero{0};
  if (t.since_start && t.expected > zero && *t.since_start < t.expected) {
    // Before its documented end a read can only say "still running".
    return t.expected - *t.since_start;
  }
  if (t.first) return zero;
  ms delay = std::max(t.interval, zero);
  if (t.since_start && t.progress > 0 && t.progress < 1) {
    const double left = static_cast<double>(t.since_start->count()) * (1 - t.progress) / t.progress;
    delay = std::max(delay, std::min(t.cap, ms{static_cast<std::int64_t>(left)}));
  }
  return delay;
}

}  // namespace tcplan::executor
