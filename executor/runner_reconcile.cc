// Reconciliation: after a failure that leaves the outcome unknown (a timeout, a dropped
// response, a ClientToken too old to trust, or a request in flight when the last process
// died), read the cloud's state and decide whether the request took effect. Actions without
// a ClientToken are re-sent only when a read shows the effect is absent.
#include <set>

#include "executor/runner_internal.h"

namespace tcplan::executor {

namespace {

struct ClusterView {
  bool listed = false;
  std::int64_t status = -1;
  json::object info;
};

std::int64_t as_int(const json::value* v) {
  if (!v) return -1;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  return -1;
}

}  // namespace

awaitable<std::optional<bool>> Runner::reconcile(Item& it, const BuiltRequest& request,
                                                 json::value& outputs) {
  const std::string& action = request.call.action;
  const std::string& service = request.call.service;
  const auto& params = request.call.params;
  const std::string region = request.call.region;
  json::object evidence;
  std::optional<bool> decision;
  std::string reason;

  // One cluster as DescribeInstances lists it.
  auto cluster_view = [&](const std::string& id) -> awaitable<std::optional<ClusterView>> {
    json::object query{{"DisplayStrategy", "clusterList"},
                       {"InstanceIds", json::array{json::value(id)}},
                       {"ProjectId", -1}};
    auto r = co_await read(it, "emr", "DescribeInstances", std::move(query), region);
    if (!r.ok) co_return std::nullopt;
    ClusterView v;
    if (auto* list = r.response.response.if_contains("ClusterList"); list && list->is_array()) {
      for (const auto& c : list->as_array()) {
        if (c.is_object() && string_param(c.as_object(), "ClusterId") == id) {
          v.listed = true;
          v.info = c.as_object();
          v.status = as_int(c.as_object().if_contains("Status"));
        }
      }
    }
    co_return v;
  };
  // Every node of a cluster (all flags).
  auto cluster_nodes = [&](const std::string& id) -> awaitable<std::optional<json::array>> {
    json::array all;
    for (std::int64_t offset = 0;; offset += 100) {
      json::object query{
          {"InstanceId", id}, {"NodeFlag", "all"}, {"Offset", offset}, {"Limit", 100}};
      auto r = co_await read(it, "emr", "DescribeClusterNodes", std::move(query), region);
      if (!r.ok) co_return std::nullopt;
      std::size_t page = 0;
      if (auto* list = r.response.response.if_contains("NodeList"); list && list->is_array()) {
        for (const auto& n : list->as_array()) {
          all.push_back(n);
          ++page;
        }
      }
      if (page < 100) break;
    }
    co_return all;
  };

  if (service == "emr" && (action == "CreateInstance" || action == "CreateCluster")) {
    // The cluster carries tcplan:run and tcplan:step: list clusters and look for it.
    std::optional<std::string> found;
    bool read_ok = true;
    for (std::int64_t offset = 0; read_ok; offset += 100) {
      json::object query{{"DisplayStrategy", "clusterList"},
                         {"ProjectId", -1},
                         {"Offset", offset},
                         {"Limit", 100}};
      auto r = co_await read(it, "emr", "DescribeInstances", std::move(query), region);
      if (!r.ok) {
        read_ok = false;
        break;
      }
      std::size_t page = 0;
      if (auto* list = r.response.response.if_contains("ClusterList"); list && list->is_array()) {
        for (const auto& c : list->as_array()) {
          ++page;
          if (!c.is_object()) continue;
          const auto* tags = c.as_object().if_contains("Tags");
          if (tags && has_tag(*tags, kRunTag, journal_.run_id()) &&
              has_tag(*tags, kStepTag, request.step_tag)) {
            found = string_param(c.as_object(), "ClusterId");
          }
        }
      }
      if (page < 100) break;
    }
    if (read_ok) {
      decision = found.has_value();
      reason = found ? "cluster " + *found + " carries tags tcplan:run/tcplan:step of this step"
                     : "no cluster carries this step's tcplan tags";
      if (found) outputs = json::object{{"InstanceId", *found}};
    }
  } else if (service == "emr" && (action == "ScaleOutInstance" || action == "ScaleOutCluster")) {
    // New nodes appear when the scale-out flow ends: wait for the cluster to be idle first.
    std::string cluster = string_param(params, "InstanceId");
    auto view = co_await cluster_view(cluster);
    if (view && view->listed && view->status != 2) {
      evidence["status_before"] = view->status;
      if (!co_await wait_cluster(it, cluster, ClusterTarget::kRunning, "reconcile " + action)) {
        co_return std::nullopt;
      }
    }
    auto nodes = co_await cluster_nodes(cluster);
    if (nodes) {
      std::size_t mine = 0;
      for (const auto& n : *nodes) {
        const auto* tags = n.is_object() ? n.as_object().if_contains("Tags") : nullptr;
        if (tags && has_tag(*tags, kRunTag, journal_.run_id()) &&
            has_tag(*tags, kStepTag, request.step_tag)) {
          ++mine;
        }
      }
      decision = mine > 0;
      reason = std::to_string(mine) + " nodes of cluster " + cluster + " carry this step's tags";
      // The FlowId of the lost answer is unknown: a later wait falls back to cluster status.
      if (mine > 0) outputs = json::object{{"InstanceId", cluster}, {"FlowId", nullptr}};
    }
  } else if (service == "emr" &&
             (action == "TerminateTasks" || action == "TerminateClusterNodes")) {
    std::string cluster = string_param(params, "InstanceId");
    bool by_cvm = action == "TerminateClusterNodes";
    auto wanted = string_list(params, by_cvm ? "CvmInstanceIds" : "ResourceIds");
    auto view = co_await cluster_view(cluster);
    auto nodes = co_await cluster_nodes(cluster);
    if (view && nodes) {
      std::set<std::string> present;
      for (const auto& n : *nodes) {
        if (n.is_object())
          present.insert(string_param(n.as_object(), by_cvm ? "OrderNo" : "EmrResourceId"));
      }
      std::size_t still = 0;
      for (const auto& id : wanted)
        still += present.count(id);
      evidence["status"] = view->status;
      evidence["nodes_still_present"] = still;
      if (view->status == 15 || view->status == 16 || view->status == 24) {
        decision = true;
        reason = "cluster " + cluster + " is removing nodes (status " +
                 std::to_string(view->status) + ")";
      } else if (still < wanted.size()) {
        decision = true;
        reason = std::to_string(wanted.size() - still) + " of " + std::to_string(wanted.size()) +
                 " nodes are already gone";
      } else if (view->status == 2) {
        decision = false;
        reason = "every node is still there and the cluster is idle";
      } else {
        reason = "every node is still there but the cluster is busy (status " +
                 std::to_string(view->status) + ")";
      }
      if (decision && *decision) outputs = json::object{};
    }
  } else if (service == "emr" && action == "TerminateInstance") {
    std::string cluster = string_param(params, "InstanceId");
    auto view = co_await cluster_view(cluster);
    if (view) {
      evidence["status"] = view->status;
      if (!view->listed || view->status == 14 || view->status == 201 || view->status == 19 ||
          view->status == 23) {
        decision = true;
        reason = view->listed
                     ? "cluster is being destroyed (status " + std::to_string(view->status) + ")"
                     : "cluster is gone";
        outputs = json::object{};
      } else if (view->status == 2) {
        decision = false;
        reason = "cluster is still running";
      } else {
        reason = "cluster is busy with another flow (status " + std::to_string(view->status) + ")";
      }
    }
  } else if (service == "emr" && action == "StartStopServiceOrMonitor") {
    std::string cluster = string_param(params, "InstanceId");
    auto view = co_await cluster_view(cluster);
    if (view && view->listed) {
      evidence["status"] = view->status;
      if (view->status == 8) {
        decision = true;
        reason = "services are restarting (status 8)";
        outputs = json::object{};
      } else if (view->status == 2) {
        decision = false;
        // A restart that already ended leaves no trace a read can see: "absent" here may
        // mean "done", and the re-send restarts the services once more (nothing duplicated).
        reason = "no restart is running on the cluster (one that already ended cannot be seen)";
      } else {
        reason = "cluster is busy (status " + std::to_string(view->status) + ")";
      }
    }
  } else if (service == "emr" && action == "ModifyResourceScheduler") {
    json::object query{{"InstanceId", string_param(params, "InstanceId")}};
    auto r = co_await read(it, "emr", "DescribeResourceSchedule", std::move(query), region);
    if (r.ok) {
      std::string now_scheduler = string_param(r.response.response, "Scheduler");
      decision = now_scheduler == string_param(params, "NewValue");
      reason = "the cluster's scheduler is " + now_scheduler;
      if (*decision) outputs = json::object{};
    }
  } else if ((service == "cvm" || service == "ecm") && action == "TerminateInstances") {
    const char* ids_key = service == "cvm" ? "InstanceIds" : "InstanceIdSet";
    auto wanted = string_list(params, ids_key);
    json::array ids;
    for (const auto& id : wanted)
      ids.push_back(json::value(id));
    json::object query{{ids_key, ids}};
    auto r = co_await read(it, service, "DescribeInstances", std::move(query), region);
    if (r.ok) {
      std::set<std::string> alive;
      if (auto* set = r.response.response.if_contains("InstanceSet"); set && set->is_array()) {
        for (const auto& i : set->as_array()) {
          if (!i.is_object()) continue;
          std::string state = string_param(i.as_object(), "InstanceState");
          if (state != "TERMINATING" && state != "SHUTDOWN" && state != "TERMINATED") {
            alive.insert(string_param(i.as_object(), "InstanceId"));
          }
        }
      }
      evidence["still_running"] = alive.size();
      if (alive.empty()) {
        decision = true;
        reason = "every instance is terminating or gone";
        outputs = json::object{};
      } else if (alive.size() == wanted.size()) {
        decision = false;
        reason = "every instance is still running";
      } else {
        reason = std::to_string(wanted.size() - alive.size()) + " of " +
                 std::to_string(wanted.size()) + " instances are already terminating";
        decision = true;
        outputs = json::object{};
      }
    }
  } else {
    reason = "tcplan has no read that shows whether " + service + " " + action + " took effect";
  }

  json::object payload{{"action", action},
                       {"decision", !decision ? "unknown" : (*decision ? "applied" : "absent")},
                       {"reason", reason.empty() ? "the reads failed" : reason}};
  if (!evidence.empty()) payload["evidence"] = evidence;
  record(audit::EventKind::kReconciled, it, std::move(payload));
  if (!decision && it.report.detail.empty()) {
    it.report.detail = "outcome of " + action + " unknown and not re-sent: " +
                       (reason.empty() ? "the reads failed" : reason);
  }
  co_return decision;
}

}  // namespace tcplan::executor
