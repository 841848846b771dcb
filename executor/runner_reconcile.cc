// Reconciliation: after a failure that leaves the outcome unknown (a timeout, a dropped
// response, a ClientToken too old to trust, a request in flight when the last process died, or
// a failed run's ambiguous attempts), read the cloud's state and say what it shows of the
// request's effect; decide_resend() (resend_rule.h) turns that into send, adopt or fail.
#include <boost/json/parse.hpp>
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

// Two JSON texts with the same content (the cloud may re-serialise a configuration).
bool same_json(const std::string& a, const std::string& b) {
  boost::system::error_code ea, eb;
  json::value va = json::parse(a, ea), vb = json::parse(b, eb);
  return ea || eb ? a == b : va == vb;
}

}  // namespace

awaitable<Runner::ReadResult> Runner::reconcile(Item& it, const BuiltRequest& request) {
  const std::string& action = request.call.action;
  const std::string& service = request.call.service;
  const auto& params = request.call.params;
  const std::string region = request.call.region;
  ReadResult result;
  if (it.last_uncertain) {
    const double cloud_ms =
        static_cast<double>(it.last_uncertain->age().count()) * std::max(1.0, options_.time_scale);
    result.soon_after = cloud_ms < static_cast<double>(kFadeWindow.count());
  }
  json::object& evidence = result.evidence;
  json::value& outputs = result.outputs;
  std::optional<ReadVerdict> decision;
  std::string& reason = result.reason;

  // One cluster as DescribeInstances lists it (a batched read, shared with the waits).
  auto cluster_view = [&](const std::string& id) -> awaitable<std::optional<ClusterView>> {
    StatusAnswer a = co_await cluster_status(it, id, region);
    if (!a.ok) co_return std::nullopt;
    ClusterView v;
    v.listed = a.listed;
    if (a.listed) {
      v.info = std::move(a.cluster);
      v.status = as_int(v.info.if_contains("Status"));
    }
    co_return v;
  };
  // Every node of a cluster (all flags).
  auto cluster_nodes = [&](const std::string& id) -> awaitable<std::optional<json::array>> {
    json::object query{{"InstanceId", id}, {"NodeFlag", "all"}};
    auto listed =
        co_await read_all(it, "emr", "DescribeClusterNodes", std::move(query), region, "NodeList");
    if (!listed.ok) co_return std::nullopt;
    co_return std::move(listed.items);
  };

  if (service == "emr" && (action == "CreateInstance" || action == "CreateCluster")) {
    // The cluster carries tcplan:run and tcplan:step: list clusters and look for it.
    std::optional<std::string> found;
    json::object query{{"DisplayStrategy", "clusterList"}, {"ProjectId", -1}};
    auto listed =
        co_await read_all(it, "emr", "DescribeInstances", std::move(query), region, "ClusterList");
    const bool read_ok = listed.ok;
    for (const auto& c : listed.items) {
      if (!c.is_object()) continue;
      const auto* tags = c.as_object().if_contains("Tags");
      if (tags && has_tag(*tags, kRunTag, journal_.run_id()) &&
          has_tag(*tags, kStepTag, request.step_tag)) {
        found = string_param(c.as_object(), "ClusterId");
      }
    }
    if (read_ok) {
      decision = found ? ReadVerdict::kApplied : ReadVerdict::kAbsent;
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
        result.reason = "waiting for cluster " + cluster + " to be idle: " + it.report.detail;
        co_return result;
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
      decision = mine > 0 ? ReadVerdict::kApplied : ReadVerdict::kAbsent;
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
      if (view->status == 15 || view->status == 16 || view->status == 17 || view->status == 24) {
        decision = ReadVerdict::kApplied;
        reason = "cluster " + cluster + " is removing nodes (status " +
                 std::to_string(view->status) + ")";
      } else if (still < wanted.size()) {
        decision = ReadVerdict::kApplied;
        reason = std::to_string(wanted.size() - still) + " of " + std::to_string(wanted.size()) +
                 " nodes are already gone";
      } else if (view->status == 2) {
        decision = ReadVerdict::kAbsent;
        reason = "every node is still there and the cluster is idle";
      } else {
        reason = "every node is still there but the cluster is busy (status " +
                 std::to_string(view->status) + ")";
      }
      if (decision == ReadVerdict::kApplied) outputs = json::object{};
    }
  } else if (service == "emr" && action == "TerminateInstance") {
    std::string cluster = string_param(params, "InstanceId");
    auto view = co_await cluster_view(cluster);
    if (view) {
      evidence["status"] = view->status;
      if (!view->listed || view->status == 14 || view->status == 201 || view->status == 19 ||
          view->status == 23) {
        decision = ReadVerdict::kApplied;
        reason = view->listed
                     ? "cluster is being destroyed (status " + std::to_string(view->status) + ")"
                     : "cluster is gone";
        outputs = json::object{};
      } else if (view->status == 2) {
        decision = ReadVerdict::kAbsent;
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
      // 8 restarting; 9-12 entering or leaving maintenance, stopping or starting services.
      if (view->status >= 8 && view->status <= 12) {
        decision = ReadVerdict::kApplied;
        reason = "the cluster's services are being operated on (status " +
                 std::to_string(view->status) + ")";
        outputs = json::object{};
      } else if (view->status == 2) {
        // An operation that already ended leaves nothing DescribeInstances shows.
        decision = ReadVerdict::kNotVisible;
        reason =
            "the cluster is idle: no operation is running (one that already ended cannot "
            "be seen)";
        outputs = json::object{};
      } else {
        reason = "cluster is busy (status " + std::to_string(view->status) + ")";
      }
    }
  } else if (service == "emr" &&
             (action == "ModifyResourceScheduler" || action == "ModifyResourceScheduleConfig")) {
    json::object query{{"InstanceId", string_param(params, "InstanceId")}};
    auto r = co_await read(it, "emr", "DescribeResourceSchedule", std::move(query), region);
    if (r.ok) {
      const auto& resp = r.response.response;
      if (action == "ModifyResourceScheduler") {
        std::string now_scheduler = string_param(resp, "Scheduler");
        reason = "the cluster's scheduler is " + now_scheduler;
        if (now_scheduler == string_param(params, "NewValue")) {
          decision = ReadVerdict::kApplied;
        } else if (now_scheduler == string_param(params, "OldValue")) {
          decision = ReadVerdict::kAbsent;
        } else {
          reason += ", neither the old nor the new value";
        }
      } else {
        const std::string key = string_param(params, "Key");
        const std::string shown = string_param(resp, key == "fair" ? "FSInfo" : "CSInfo");
        const bool same = same_json(shown, string_param(params, "Value"));
        decision = same ? ReadVerdict::kApplied : ReadVerdict::kAbsent;
        reason =
            "the cluster's " + key + " configuration " + (same ? "is" : "is not") + " the one sent";
      }
      if (decision == ReadVerdict::kApplied) outputs = json::object{};
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
        decision = ReadVerdict::kApplied;
        reason = "every instance is terminating or gone";
        outputs = json::object{};
      } else if (alive.size() == wanted.size()) {
        decision = ReadVerdict::kAbsent;
        reason = "every instance is still running";
      } else {
        decision = ReadVerdict::kPartial;
        reason = std::to_string(wanted.size() - alive.size()) + " of " +
                 std::to_string(wanted.size()) + " instances are already terminating";
        for (const auto& id : wanted)
          if (alive.count(id)) result.rest.push_back(id);
      }
    }
  } else {
    reason = "tcplan has no read that shows whether " + service + " " + action + " took effect";
  }

  if (decision) {
    result.verdict = *decision;
  } else if (reason.empty()) {
    reason = "the reads failed";
  }
  co_return result;
}

awaitable<ResendDecision> Runner::settle(Item& it, BuiltRequest& request, json::value& outputs) {
  ResendDecision d = decide_resend(resend_facts(it, request, nullptr));
  std::optional<ReadResult> read;
  if (d.action == Resend::kRead) {
    read = co_await reconcile(it, request);
    if (interrupted_ && read->verdict == ReadVerdict::kUnknown) {
      co_return ResendDecision{Resend::kFail, "interrupted while reading"};
    }
    d = decide_resend(resend_facts(it, request, &*read));
  }
  json::array attempts;
  for (AttemptOutcome o : it.outcomes)
    attempts.push_back(json::value(to_string(o)));
  json::object payload{{"action", request.call.action},
                       {"decision", to_string(d.action)},
                       {"why", d.why},
                       {"attempts", std::move(attempts)}};
  if (read) {
    payload["read"] = to_string(read->verdict);
    payload["reason"] = read->reason;
    if (!read->evidence.empty()) payload["evidence"] = read->evidence;
  }
  record(audit::EventKind::kReconciled, it, std::move(payload));

  switch (d.action) {
    case Resend::kAdopt:
      outputs = read ? read->outputs : (it.prior ? it.prior->call_outputs : json::value());
      if (outputs.is_null()) outputs = json::object{};
      break;
    case Resend::kSendRest: {
      const char* ids_key = request.call.service == "cvm" ? "InstanceIds" : "InstanceIdSet";
      json::array rest;
      for (const auto& id : read->rest)
        rest.push_back(json::value(id));
      request.call.params[ids_key] = std::move(rest);
      it.token_clock = Stamp{};
      break;
    }
    case Resend::kSend:
      // A read that found nothing restarts the token's clock: no earlier attempt had
      // taken effect by then, so the cloud cannot remember the token from before it.
      if (read) it.token_clock = Stamp{};
      break;
    case Resend::kFail:
      if (it.report.detail.empty()) {
        it.report.detail =
            unknown_outcome(request, read ? d.why + " (" + read->reason + ")" : d.why, true);
      }
      break;
    case Resend::kRead:
      break;
  }
  co_return d;
}

}  // namespace tcplan::executor
