// The Runner's step logic: a call step (create, scale_out, scale_in, restart, terminate,
// scheduler, call) and a wait step, each as one coroutine that reads top to bottom.
#include <algorithm>

#include "base/duration.h"
#include "executor/runner_internal.h"

namespace tcplan::executor {

namespace {

json::value outputs_of(const json::object& response) {
  json::object out = response;
  out.erase("RequestId");
  return out;
}

std::string upper(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

awaitable<void> Runner::run_call_step(Item& it) {
  const planner::Step& step = *it.step;
  auto built = build_request(step, it.item, resolve_context(&it), context_region(step));
  if (!built) {
    it.report.status = ItemState::kFailed;
    it.report.detail = built.error().message;
    co_return;
  }
  for (const auto& v : built->env_values)
    journal_.store().redactor().add_secret(v);
  if (built->call.region.empty()) built->call.region = context_region(step);

  if (step.kind == planner::StepKind::kScaleIn && step.select) {
    if (!co_await select_nodes(it, *built)) co_return;
  }

  json::object started{{"request_sha256", built->digest}, {"action", built->call.action}};
  if (!built->client_token.empty()) started["client_token"] = built->client_token;
  if (!it.selected.empty()) {
    json::array sel;
    for (const auto& s : it.selected)
      sel.push_back(json::value(s));
    started["selected"] = std::move(sel);
  }
  if (it.prior) it.outcomes = it.prior->outcomes;
  if (std::any_of(it.outcomes.begin(), it.outcomes.end(), uncertain)) {
    started["resumed_in_flight"] = true;
  }
  audit::Event ev;
  ev.kind = audit::EventKind::kStepStarted;
  ev.step_id = it.ctx.step_id;
  ev.item = it.ctx.item;
  ev.client_token = built->client_token;
  ev.service = built->call.service;
  ev.action = built->call.action;
  ev.region = built->call.region;
  ev.payload = json::serialize(started);
  // Queued, not waited for: the request's own request_sent is committed after it (the journal
  // keeps order), and the request waits for that.
  if (!journal_.post(std::move(ev))) {
    it.report.status = ItemState::kFailed;
    it.report.detail = journal_.failure();
    co_return;
  }

  json::value outputs;
  bool applied = false;
  if (!it.prior || it.outcomes.empty()) {
    it.report.explanation = it.prior && it.prior->finished
                                ? "re-run: it failed in an earlier process of this run before "
                                  "sending anything"
                                : "ran: not started before";
  } else {
    // What earlier processes of this run sent decides whether it may be sent now: the same
    // rule as a retry in this process (resend_rule.h).
    const std::string before = it.prior->finished ? "failed in an earlier process of this run"
                                                  : "was interrupted in an earlier process";
    ResendDecision d = co_await settle(it, *built, outputs);
    if (d.action == Resend::kAdopt) {
      applied = true;
      note_flow(built->call, false);  // started by an earlier process: when is unknown
      it.report.explanation = (it.prior->call_succeeded ? "resumed: " : "reconciled: ") + d.why;
    } else if (d.action == Resend::kFail) {
      if (it.report.status == ItemState::kPending) {
        it.report.status = interrupted_ ? ItemState::kInterrupted : ItemState::kFailed;
      }
      co_return;
    } else {
      it.report.explanation =
          (it.prior->finished ? "re-run: " : "re-sent: ") + before + "; " + d.why;
    }
  }

  while (!applied) {
    CallResult r = co_await send(it, *built);
    if (r.ok) {
      outputs = outputs_of(r.response.response);
      note_flow(built->call, true);
      break;
    }
    if (r.interrupted) {
      it.report.status = ItemState::kInterrupted;
      co_return;
    }
    const bool attempts_left = it.attempt < step.retry.max_attempts && !past_deadline(it);
    if (r.unknown && r.unknown->action == Resend::kRead && attempts_left) {
      ResendDecision d = co_await settle(it, *built, outputs);
      if (d.action == Resend::kAdopt) {
        it.report.explanation =
            "reconciled: " + r.error.code + " left the outcome unknown; " + d.why;
        note_flow(built->call, false);
        applied = true;
        break;
      }
      if (d.action == Resend::kSend || d.action == Resend::kSendRest) {
        it.report.explanation = "re-sent: after " + r.error.code + ", " + d.why;
        continue;
      }
      if (it.report.status == ItemState::kPending) {
        it.report.status = interrupted_ ? ItemState::kInterrupted : ItemState::kFailed;
      }
      co_return;
    }
    it.report.status = ItemState::kFailed;
    if (it.report.detail.empty()) {
      it.report.detail = describe_error(r.error);
      if (it.attempt > 1) it.report.detail += " after " + std::to_string(it.attempt) + " attempts";
      if (r.unknown && resend_facts(it, *built, nullptr).action.mutating) {
        it.report.detail +=
            "; " + unknown_outcome(*built, r.unknown->why, r.unknown->action == Resend::kFail);
      }
    }
    co_return;
  }

  if (!it.selected.empty() && outputs.is_object()) {
    json::array sel;
    for (const auto& s : it.selected)
      sel.push_back(json::value(s));
    outputs.as_object()["Selected"] = std::move(sel);
  }
  it.report.outputs = outputs;

  // A restart has no FlowId: it is done when the cluster is back to running (status 8 -> 2).
  // The first read waits for the restart's documented duration (wait_cluster): one sooner
  // can only say "restarting".
  if (step.kind == planner::StepKind::kRestart) {
    std::string cluster = string_param(built->call.params, "InstanceId");
    if (!co_await wait_cluster(it, cluster, ClusterTarget::kRunning, "restart")) co_return;
  }
}

awaitable<bool> Runner::select_nodes(Item& it, BuiltRequest& request) {
  const planner::Step& step = *it.step;
  const auto& sel = *step.select;
  const bool by_cvm = request.call.action == "TerminateClusterNodes";
  if (by_cvm) request.call.params["NodeFlag"] = upper(sel.node_flag);
  auto apply = [&](const std::vector<std::string>& ids) {
    json::array arr;
    for (const auto& id : ids)
      arr.push_back(json::value(id));
    request.call.params[by_cvm ? "CvmInstanceIds" : "ResourceIds"] = std::move(arr);
  };
  if (!it.selected.empty()) {
    // Chosen before an interruption: the nodes may be gone by now, so never choose again.
    apply(it.selected);
    co_return true;
  }
  std::string cluster = string_param(request.call.params, "InstanceId");
  struct Node {
    std::string id, apply_time;
  };
  std::vector<Node> nodes;
  json::object query{{"InstanceId", cluster}, {"NodeFlag", sel.node_flag}};
  auto listed = co_await read_all(it, "emr", "DescribeClusterNodes", std::move(query),
                                  request.call.region, "NodeList");
  if (!listed.ok) {
    it.report.status = listed.interrupted ? ItemState::kInterrupted : ItemState::kFailed;
    it.report.detail = "selecting nodes: " + describe_error(listed.error);
    co_return false;
  }
  for (const auto& n : listed.items) {
    if (!n.is_object()) continue;
    const auto& node = n.as_object();
    if (!sel.added_by.empty()) {
      const json::value* tags = node.if_contains("Tags");
      bool mine = tags && has_tag(*tags, kRunTag, journal_.run_id());
      bool from_step = false;
      if (tags && tags->is_array()) {
        for (const auto& t : tags->as_array()) {
          if (!t.is_object()) continue;
          auto k = string_param(t.as_object(), "TagKey");
          auto v = string_param(t.as_object(), "TagValue");
          if (k == kStepTag && (v == sel.added_by || v.rfind(sel.added_by + "[", 0) == 0)) {
            from_step = true;
          }
        }
      }
      if (!mine || !from_step) continue;
    }
    nodes.push_back({string_param(node, by_cvm ? "OrderNo" : "EmrResourceId"),
                     string_param(node, "ApplyTime")});
  }
  if (sel.newest > 0) {
    std::stable_sort(nodes.begin(), nodes.end(),
                     [](const Node& a, const Node& b) { return a.apply_time > b.apply_time; });
    if (nodes.size() > static_cast<std::size_t>(sel.newest)) nodes.resize(sel.newest);
  }
  if (nodes.empty()) {
    it.report.status = ItemState::kFailed;
    it.report.detail =
        "no " + sel.node_flag + " nodes of cluster " + cluster +
        (sel.added_by.empty() ? " to remove" : " were added by step '" + sel.added_by + "'");
    co_return false;
  }
  auto cap = plan_.guardrails.max_scale_in_nodes;
  if (cap && static_cast<std::int64_t>(nodes.size()) > *cap) {
    it.report.status = ItemState::kFailed;
    it.report.detail = "selection found " + std::to_string(nodes.size()) +
                       " nodes, more than guardrails.max_scale_in_nodes = " + std::to_string(*cap);
    co_return false;
  }
  for (const auto& n : nodes)
    it.selected.push_back(n.id);
  apply(it.selected);
  co_return true;
}

void Runner::note_flow(const api::CallRequest& call, bool known_start) {
  if (call.service != "emr") return;
  const std::string cluster = string_param(call.params, "InstanceId");
  const auto expected = documented_flow_duration(call.service, call.action, call.params);
  if (cluster.empty() || expected.count() == 0) return;
  if (known_start) {
    flows_[cluster] = FlowStart{std::chrono::steady_clock::now(), expected};
  } else {
    flows_.erase(cluster);
  }
}

std::optional<std::chrono::milliseconds> Runner::since_flow_start(
    const std::string& cluster) const {
  auto f = flows_.find(cluster);
  if (f == flows_.end()) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               f->second.at);
}

std::chrono::milliseconds Runner::expected_flow(const std::string& cluster) const {
  auto f = flows_.find(cluster);
  return f == flows_.end() ? std::chrono::milliseconds{0} : scaled(f->second.expected);
}

awaitable<bool> Runner::wait_cluster(Item& it, const std::string& cluster, ClusterTarget target,
                                     const std::string& why) {
  const planner::Step& step = *it.step;
  const auto cap = std::max(scaled(std::chrono::milliseconds{60000}), std::chrono::milliseconds{1});
  auto interval = scaled(step.poll);
  int failures = 0;
  std::string last;
  for (bool first = true;; first = false) {
    // Not before the flow this run started on the cluster (a scale-out, restart or scale-in
    // whose answer it got) is documented to end: a read before that can only say "still
    // busy". A create is not tracked (its cluster id comes with the answer), so a wait for a
    // new cluster reads every `poll` and its progress line shows the creation.
    PollTiming timing;
    timing.since_start = since_flow_start(cluster);
    timing.expected = expected_flow(cluster);
    timing.interval = interval;
    timing.cap = cap;
    timing.first = first;
    const auto delay = poll_delay(timing);
    if (!first) interval = std::min(next_poll_interval(interval), cap);
    if (delay.count() > 0 && !co_await sleep_for(delay, &it)) {
      it.report.status = ItemState::kInterrupted;
      co_return false;
    }
    StatusAnswer r = co_await cluster_status(it, cluster, context_region(step));
    if (r.interrupted) {
      it.report.status = ItemState::kInterrupted;
      co_return false;
    }
    if (r.ok) {
      failures = 0;
      auto obs = observe_cluster_info(r.listed ? &r.cluster : nullptr, cluster, target);
      if (obs.fingerprint() != last) {
        last = obs.fingerprint();
        json::object payload{{"cluster", cluster}, {"state", obs.state}};
        if (!why.empty()) payload["for"] = why;
        record(audit::EventKind::kWaitPolled, it, std::move(payload));
        progress(it, cluster + " " + obs.state);
      }
      if (obs.verdict == WaitVerdict::kSucceeded) co_return true;
      if (obs.verdict == WaitVerdict::kFailed) {
        it.report.status = ItemState::kFailed;
        it.report.detail = obs.detail;
        co_return false;
      }
    } else if (api::classify(r.error) == api::ErrorClass::kPermanent ||
               ++failures >= step.retry.max_attempts) {
      it.report.status = ItemState::kFailed;
      it.report.detail = "polling cluster " + cluster + ": " + describe_error(r.error);
      co_return false;
    }
    if (past_deadline(it)) {
      it.report.status = ItemState::kFailed;
      it.report.detail = "timed out after " + base::format_duration(step.timeout) +
                         " waiting for cluster " + cluster + " to be " +
                         (target == ClusterTarget::kRunning ? "running" : "terminated");
      co_return false;
    }
  }
}

awaitable<void> Runner::run_wait_step(Item& it) {
  const planner::Step& step = *it.step;
  // The context copies every finished step's outputs: built per use, not kept in this frame
  // for the whole wait (200 waiting fleet items each holding one took ~30 MB).
  auto resolve = [&](const std::string& text) -> base::Result<json::value> {
    return planner::resolve_value(json::value(text), resolve_context(&it));
  };
  auto cluster_v = resolve(step.cluster);
  if (!cluster_v || !cluster_v->is_string()) {
    it.report.status = ItemState::kFailed;
    it.report.detail = "cluster: " + (cluster_v ? std::string("does not resolve to a cluster id")
                                                : cluster_v.error().message);
    co_return;
  }
  std::string cluster(cluster_v->as_string());
  record(audit::EventKind::kStepStarted, it, {{"cluster", cluster}});
  it.report.explanation =
      it.prior ? "re-run: waits are always re-checked on resume" : "ran: not started before";

  if (!step.until.empty()) {
    // wait_cluster sets the item's status and detail when the wait fails.
    co_await wait_cluster(
        it, cluster,
        step.until == "terminated" ? ClusterTarget::kTerminated : ClusterTarget::kRunning, "");
    co_return;
  }

  const bool by_flow = !step.flow.empty();
  auto id_v = resolve(by_flow ? step.flow : step.trace);
  std::string id;
  if (id_v && id_v->is_string()) id = std::string(id_v->as_string());
  if (id_v && id_v->is_number()) id = std::to_string(id_v->to_number<std::int64_t>());
  if (id.empty() || id == "0") {
    // The step that started the flow was reconciled after its answer was lost, so its
    // FlowId is unknown; the cluster's status tells the same story, less finely.
    it.report.explanation +=
        "; the flow id is unknown (its step was reconciled), so this "
        "waits for the cluster to be running instead";
    co_await wait_cluster(it, cluster, ClusterTarget::kRunning, "flow id unknown");
    co_return;
  }

  const auto cap = std::max(scaled(std::chrono::milliseconds{60000}), std::chrono::milliseconds{1});
  auto interval = scaled(step.poll);
  int failures = 0;
  double progress_seen = -1;
  std::string last;
  for (bool first = true;; first = false) {
    // DescribeClusterFlowStatusDetail reads one flow per call: none before the flow's
    // documented end, then as often as its reported progress makes useful.
    PollTiming timing;
    timing.since_start = since_flow_start(cluster);
    timing.expected = expected_flow(cluster);
    timing.progress = progress_seen;
    timing.interval = interval;
    timing.cap = cap;
    timing.first = first;
    const auto delay = poll_delay(timing);
    if (!first) interval = std::min(next_poll_interval(interval), cap);
    if (delay.count() > 0 && !co_await sleep_for(delay, &it)) {
      it.report.status = ItemState::kInterrupted;
      co_return;
    }
    json::object query{
        {"InstanceId", cluster},
        {"FlowParam", json::object{{"FKey", by_flow ? "FlowId" : "TraceId"}, {"FValue", id}}}};
    auto r = co_await read(it, "emr", "DescribeClusterFlowStatusDetail", std::move(query),
                           context_region(step));
    if (r.interrupted) {
      it.report.status = ItemState::kInterrupted;
      co_return;
    }
    if (r.ok) {
      failures = 0;
      auto obs = observe_flow(r.response.response);
      progress_seen = obs.progress;
      if (obs.fingerprint() != last) {
        last = obs.fingerprint();
        json::object payload{{by_flow ? "flow_id" : "trace_id", id}, {"state", obs.state}};
        if (obs.progress >= 0) payload["progress"] = obs.progress;
        if (!obs.detail.empty()) payload["detail"] = obs.detail;
        record(audit::EventKind::kWaitPolled, it, std::move(payload));
        progress(it, (by_flow ? "flow " : "trace ") + id + " " + obs.state);
      }
      if (obs.verdict == WaitVerdict::kSucceeded) {
        if (!obs.skipped_stages.empty() || obs.state != "finished") {
          it.report.detail = "completed with skipped stages: " + obs.detail;
        }
        co_return;
      }
      if (obs.verdict == WaitVerdict::kFailed) {
        it.report.status = ItemState::kFailed;
        it.report.detail = (by_flow ? "flow " : "trace ") + id + " on " + cluster + " " +
                           obs.state + ": " + obs.detail;
        co_return;
      }
    } else if (api::classify(r.error) == api::ErrorClass::kPermanent ||
               ++failures >= step.retry.max_attempts) {
      it.report.status = ItemState::kFailed;
      it.report.detail = "polling flow " + id + ": " + describe_error(r.error);
      co_return;
    }
    if (past_deadline(it)) {
      it.report.status = ItemState::kFailed;
      it.report.detail = "timed out after " + base::format_duration(step.timeout) +
                         " waiting for " + (by_flow ? "flow " : "trace ") + id + " on " + cluster;
      co_return;
    }
  }
}

}  // namespace tcplan::executor
