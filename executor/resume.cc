#include "executor/resume.h"

#include <boost/json.hpp>

namespace tcplan::executor {

namespace json = boost::json;

namespace {

json::object payload_of(const audit::Event& e) {
  boost::system::error_code ec;
  json::value v = json::parse(e.payload, ec);
  return !ec && v.is_object() ? v.as_object() : json::object{};
}

int item_index(const std::string& item) {
  if (item.empty()) return -1;
  try {
    return std::stoi(item);
  } catch (...) {
    return -1;
  }
}

}  // namespace

ResumeState resume_state(const std::vector<audit::Event>& events) {
  ResumeState state;
  for (const auto& e : events) {
    using K = audit::EventKind;
    if (e.kind == K::kPlanDigest) {
      auto p = payload_of(e);
      if (auto* v = p.if_contains("plan_sha256"); v && v->is_string()) {
        state.plan_sha256 = std::string(v->as_string());
      }
      if (auto* v = p.if_contains("file"); v && v->is_string()) {
        state.plan_file = std::string(v->as_string());
      }
      continue;
    }
    if (e.kind == K::kRunStarted) {
      state.status = "running";
      // A process killed before its plan_digest event still named the plan here.
      auto p = payload_of(e);
      if (auto* v = p.if_contains("plan_sha256"); v && v->is_string() && state.plan_sha256.empty())
        state.plan_sha256 = std::string(v->as_string());
    }
    if (e.kind == K::kRunFinished) {
      auto p = payload_of(e);
      if (auto* v = p.if_contains("status"); v && v->is_string()) {
        state.status = std::string(v->as_string());
      }
      continue;
    }
    if (e.step_id.empty()) continue;
    ResumedItem& item = state.items[{e.step_id, item_index(e.item)}];
    switch (e.kind) {
      case K::kStepStarted: {
        auto p = payload_of(e);
        item.finished = false;
        if (auto* v = p.if_contains("request_sha256"); v && v->is_string()) {
          item.request_digest = std::string(v->as_string());
        }
        if (auto* v = p.if_contains("selected"); v && v->is_array()) {
          item.selected.clear();
          for (const auto& s : v->as_array()) {
            if (s.is_string()) item.selected.emplace_back(s.as_string());
          }
        }
        break;
      }
      case K::kRequestSent:
        // Attempt 0 is a read: it cannot have changed anything.
        if (e.attempt <= 0) break;
        item.attempts = std::max(item.attempts, e.attempt);
        if (!e.client_token.empty() && item.first_send_ms == 0) item.first_send_ms = e.time_ms;
        item.in_flight = true;
        item.in_flight_action = e.action;
        item.call_succeeded = false;
        break;
      case K::kResponseReceived:
        if (e.attempt <= 0) break;
        if (e.error_code.empty()) {
          item.in_flight = false;
          item.call_succeeded = true;
          auto p = payload_of(e);
          json::object out;
          if (auto* body = p.if_contains("body"); body && body->is_object()) {
            if (auto* r = body->as_object().if_contains("Response"); r && r->is_object()) {
              out = r->as_object();
            }
          }
          out.erase("RequestId");
          item.call_outputs = std::move(out);
        }
        // A failed answer leaves in_flight set: whether it took effect is for reconcile to
        // read, not for us to guess (an InternalError may follow partial work).
        break;
      case K::kStepFinished: {
        auto p = payload_of(e);
        item.finished = true;
        item.in_flight = false;
        auto* status = p.if_contains("status");
        item.succeeded = status && status->is_string() && status->as_string() == "succeeded";
        if (auto* o = p.if_contains("outputs")) item.outputs = *o;
        break;
      }
      default:
        break;
    }
  }
  return state;
}

base::Result<ResumeState> load_resume_state(const audit::EventStore& store,
                                            const std::string& run_id) {
  auto events = store.run_events(run_id);
  if (!events) return events.error();
  if (events->empty()) return base::Error{"no run " + run_id + " in " + store.path().string()};
  return resume_state(*events);
}

}  // namespace tcplan::executor
