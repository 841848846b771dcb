#include "executor/resume.h"

#include <boost/json.hpp>
#include <tuple>

#include "api/catalog.h"

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
  // (step, item, attempt) -> index into that item's outcomes.
  std::map<std::tuple<std::string, std::string, std::int64_t>, std::size_t> attempt_slot;
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
      state.status.reset();
      // A process killed before its plan_digest event still named the plan here.
      auto p = payload_of(e);
      if (auto* v = p.if_contains("plan_sha256"); v && v->is_string() && state.plan_sha256.empty())
        state.plan_sha256 = std::string(v->as_string());
    }
    if (e.kind == K::kPreviewDigest && !state.fleets_pinned) {
      // The clusters the first dry run of the run chose: a resume acts on the same ones.
      auto p = payload_of(e);
      if (auto* f = p.if_contains("fleets"); f && f->is_object()) {
        for (const auto& [step, items] : f->as_object()) {
          if (items.is_array()) state.fleets[std::string(step)] = items.as_array();
        }
        state.fleets_pinned = true;
      }
      continue;
    }
    if (e.kind == K::kRunFinished) {
      auto p = payload_of(e);
      if (auto* v = p.if_contains("status"); v && v->is_string()) {
        state.status = run_status_from(std::string_view(v->as_string()));
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
        if (const auto* spec = api::Catalog::builtin().find(e.service, e.action, e.version);
            !spec || spec->mutating) {
          state.sent_change = true;
        }
        item.attempts = std::max(item.attempts, e.attempt);
        // Until its answer is recorded, the attempt may or may not have left.
        item.outcomes.push_back(AttemptOutcome::kUnanswered);
        attempt_slot[{e.step_id, e.item, e.attempt}] = item.outcomes.size() - 1;
        item.in_flight = true;
        item.call_succeeded = false;
        break;
      case K::kTransportError:
      case K::kResponseReceived: {
        if (e.attempt <= 0) break;
        auto slot = attempt_slot.find({e.step_id, e.item, e.attempt});
        if (slot != attempt_slot.end()) {
          api::ApiError err;
          err.code = e.error_code;
          err.http_status = static_cast<int>(e.http_status);
          if (e.kind == K::kTransportError) {
            auto p = payload_of(e);
            auto* sent = p.if_contains("maybe_sent");
            err.maybe_sent = !sent || !sent->is_bool() || sent->as_bool();
            if (err.code.empty()) err.code = api::kNetworkError;
          }
          item.outcomes[slot->second] = attempt_outcome(err);
        }
        if (e.kind == K::kTransportError) break;
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
        // A failed answer leaves in_flight set: whether it took effect is for the re-send
        // rule to decide from the outcomes, not for us to guess.
        break;
      }
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
  if (events->empty()) return base::Error{"no run " + run_id + " in " + store.describe()};
  return resume_state(*events);
}

}  // namespace tcplan::executor
