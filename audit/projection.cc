// Rebuilding run and step state from events (conventions in projection.h).
#include "audit/projection.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <set>

#include "audit/event_store.h"

namespace tcplan::audit {
namespace {

boost::json::value parse(const std::string& text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  return ec ? boost::json::value() : v;
}

std::string string_field(const boost::json::value& v, const char* key) {
  if (!v.is_object()) return {};
  auto* f = v.as_object().if_contains(key);
  if (f == nullptr) return {};
  if (f->is_string()) return std::string(f->as_string());
  if (f->is_int64()) return std::to_string(f->as_int64());
  return {};
}

void add_unique(std::vector<std::string>& to, const std::string& id) {
  if (!id.empty() && std::find(to.begin(), to.end(), id) == to.end()) to.push_back(id);
}

void add_ids(std::vector<std::string>& to, const boost::json::value& v) {
  if (v.is_string()) add_unique(to, std::string(v.as_string()));
  if (v.is_int64()) add_unique(to, std::to_string(v.as_int64()));
  if (v.is_array()) {
    for (const auto& x : v.as_array())
      add_ids(to, x);
  }
}

// Resource and flow ids from a response payload {"body": {"Response": {...}}}.
void collect_ids(StepState& step, const boost::json::value& payload) {
  if (!payload.is_object()) return;
  const auto* body = payload.as_object().if_contains("body");
  if (body == nullptr || !body->is_object()) return;
  const auto* resp = body->as_object().if_contains("Response");
  const auto& r = (resp != nullptr && resp->is_object()) ? *resp : *body;
  for (const auto& [key, value] : r.as_object()) {
    if (key == "FlowId" || key == "TraceId") add_ids(step.flow_ids, value);
    if (key == "InstanceId" || key == "InstanceIds" || key == "InstanceIdSet" ||
        key == "ClusterId") {
      add_ids(step.resource_ids, value);
    }
  }
}

StepState& step_for(RunState& run, const std::string& id) {
  for (auto& s : run.steps) {
    if (s.step_id == id) return s;
  }
  run.steps.push_back(StepState{});
  run.steps.back().step_id = id;
  return run.steps.back();
}

}  // namespace

std::optional<CallRecord> StepState::in_flight() const {
  for (auto it = calls.rbegin(); it != calls.rend(); ++it) {
    if (it->in_flight()) return *it;
  }
  return std::nullopt;
}

const StepState* RunState::step(const std::string& id) const {
  for (const auto& s : steps) {
    if (s.step_id == id) return &s;
  }
  return nullptr;
}

RunState project_run(const std::vector<Event>& events) {
  RunState run;
  std::int64_t last_non_seal = 0, last_seal = 0;
  std::set<std::string> started;  // steps with a step_started event
  for (const Event& e : events) {
    if (run.events == 0) {
      run.run_id = e.run_id;
      run.first_seq = e.seq;
      run.started_ms = e.time_ms;
      run.operator_user = e.operator_user;
      run.operator_host = e.operator_host;
      run.tool_version = e.tool_version;
    }
    ++run.events;
    run.last_seq = e.seq;
    if (run.region.empty()) run.region = e.region;
    if (e.kind == EventKind::kSealed) {
      last_seal = e.seq;
      continue;
    }
    if (e.kind != EventKind::kTrailRead && e.kind != EventKind::kTrailExported) {
      last_non_seal = e.seq;
    }
    boost::json::value payload = parse(e.payload);
    StepState* step = e.step_id.empty() ? nullptr : &step_for(run, e.step_id);
    switch (e.kind) {
      case EventKind::kRunFinished:
        run.status = string_field(payload, "status");
        if (run.status.empty()) run.status = "finished";
        run.finished_ms = e.time_ms;
        break;
      case EventKind::kPlanDigest:
        run.plan_sha256 = string_field(payload, "plan_sha256");
        break;
      case EventKind::kPreviewDigest:
        run.preview_sha256 = string_field(payload, "preview_sha256");
        run.preview = payload;
        break;
      case EventKind::kRunStarted:
        // A resume starts again: the first names the plan as the run was begun.
        if (run.plan_file.empty()) run.plan_file = string_field(payload, "plan");
        if (payload.is_object()) {
          const auto& o = payload.as_object();
          if (auto saved = string_field(payload, "saved_plan_sha256"); !saved.empty())
            run.saved_plan_sha256 = saved;
          if (const auto* n = o.if_contains("new_run"); n && n->is_bool())
            run.new_run = n->as_bool();
          if (const auto* t = o.if_contains("time_scale");
              t && t->is_number() && t->to_number<double>() > 0) {
            run.time_scale = t->to_number<double>();
          }
        }
        break;
      case EventKind::kApproved:
        run.approved = true;
        if (payload.is_object()) run.approvals.push_back(payload.as_object());
        break;
      case EventKind::kRefused:
        run.refusal = string_field(payload, "reason");
        break;
      case EventKind::kStepStarted:
        if (step == nullptr) break;
        step->status = "running";
        started.insert(step->step_id);
        if (step->started_ms == 0) step->started_ms = e.time_ms;
        if (!e.client_token.empty()) step->client_token = e.client_token;
        if (auto h = string_field(payload, "request_sha256"); !h.empty()) step->request_sha256 = h;
        break;
      case EventKind::kStepFinished:
        if (step == nullptr) break;
        step->status = string_field(payload, "status");
        if (step->status.empty()) step->status = "finished";
        step->finished_ms = e.time_ms;
        if (auto err = string_field(payload, "error"); !err.empty()) step->last_error = err;
        break;
      case EventKind::kRequestSent: {
        if (step == nullptr) break;
        if (step->status == "pending") step->status = "running";
        if (step->started_ms == 0) step->started_ms = e.time_ms;
        step->attempts = std::max(step->attempts, e.attempt);
        if (!e.client_token.empty()) step->client_token = e.client_token;
        CallRecord c;
        c.request_seq = e.seq;
        c.action = e.action;
        c.item = e.item;
        c.attempt = e.attempt;
        c.client_token = e.client_token;
        c.sent_ms = e.time_ms;
        step->calls.push_back(c);
        break;
      }
      case EventKind::kResponseReceived:
      case EventKind::kTransportError: {
        if (step == nullptr) break;
        for (auto it = step->calls.rbegin(); it != step->calls.rend(); ++it) {
          if (it->in_flight() && it->action == e.action && it->item == e.item &&
              it->attempt == e.attempt) {
            it->response_seq = e.seq;
            it->received_ms = e.time_ms;
            it->http_status = e.http_status;
            it->error_code = e.error_code;
            it->request_id = e.request_id;
            it->latency_us = e.latency_us;
            it->transport_error = e.kind == EventKind::kTransportError;
            break;
          }
        }
        // A later success clears the error: "last error" is what the step is left with.
        step->last_error = e.error_code;
        collect_ids(*step, payload);
        break;
      }
      case EventKind::kRetryScheduled:
        if (step != nullptr) ++step->retries;
        break;
      case EventKind::kWaitPolled:
        if (step != nullptr) step->wait_state = string_field(payload, "state");
        break;
      default:
        break;
    }
  }
  run.sealed = last_seal > last_non_seal;
  // "running" only while something runs: reads recorded outside any step (the dry run's
  // pseudo-step) are over once answered, and a step a finished run left open was interrupted.
  for (auto& s : run.steps) {
    if (s.status != "running") continue;
    if (!started.count(s.step_id) && !s.in_flight()) {
      s.status = s.last_error.empty() ? "succeeded" : "failed";
    } else if (run.status != "running") {
      s.status = "interrupted";
    }
  }
  return run;
}

base::Result<RunState> load_run(const EventStore& store, const std::string& run_id) {
  auto events = store.run_events(run_id);
  if (!events) return events.error();
  if (events->empty()) return base::Error{"no run " + run_id + " in " + store.describe()};
  return project_run(*events);
}

base::Result<std::vector<RunState>> load_runs(const EventStore& store) {
  auto ids = store.run_ids();
  if (!ids) return ids.error();
  std::vector<RunState> out;
  for (const auto& id : *ids) {
    auto run = load_run(store, id);
    if (!run) return run.error();
    out.push_back(std::move(*run));
  }
  return out;
}

}  // namespace tcplan::audit
