#include "cli/audit_json.h"

#include <boost/json.hpp>

#include "cli/output_json.h"

namespace tcplan::cli {

namespace json = boost::json;

json::object verify_json(const audit::VerifyReport& r) {
  json::array keys, in_flight, anchors;
  for (const auto& k : r.key_fingerprints)
    keys.push_back(json::value(k));
  for (const auto& f : r.in_flight) {
    in_flight.push_back(json::object{{"seq", f.seq},
                                     {"run_id", f.run_id},
                                     {"step", f.step_id},
                                     {"item", f.item},
                                     {"action", f.action},
                                     {"attempt", f.attempt}});
  }
  for (const auto& a : r.anchors_met)
    anchors.push_back(json::object{{"source", a.source}, {"seq", a.seq}, {"hash", a.hash}});
  json::value problem = nullptr;
  if (r.problem) {
    problem = json::object{{"kind", std::string(audit::problem_name(r.problem->kind))},
                           {"seq", r.problem->seq},
                           {"detail", r.problem->detail}};
  }
  return {{"schema", "tcplan.audit-verify/1"},
          {"ok", r.ok()},
          {"intact", r.intact()},
          {"sealed", r.sealed()},
          {"run_found", r.run_found},
          {"anchored", r.anchored},
          {"events", r.events},
          {"first_seq", r.first_seq},
          {"last_seq", r.last_seq},
          {"head_hash", r.head_hash},
          {"seals", r.seals},
          {"last_seal_seq", r.last_seal_seq},
          {"last_seal_hash", r.last_seal_hash},
          {"key_fingerprints", keys},
          {"trusted_fingerprint", r.trusted_fingerprint},
          {"first_unsealed_seq",
           r.first_unsealed_seq ? json::value(*r.first_unsealed_seq) : json::value(nullptr)},
          {"unsealed_run_id", r.unsealed_run_id},
          {"in_flight", in_flight},
          {"anchors_met", anchors},
          {"problem", problem}};
}

json::object show_json(const audit::RunState& run, const std::vector<audit::Event>& events) {
  json::array steps, timeline;
  for (const auto& s : run.steps) {
    steps.push_back(json::object{{"step", s.step_id},
                                 {"status", s.status},
                                 {"attempts", s.attempts},
                                 {"retries", s.retries},
                                 {"last_error", s.last_error}});
  }
  for (const auto& e : events) {
    json::object o{{"seq", e.seq},
                   {"time", iso_time(e.time_ms)},
                   {"kind", std::string(audit::kind_name(e.kind))}};
    if (!e.step_id.empty()) o["step"] = e.step_id;
    if (!e.item.empty()) o["item"] = e.item;
    if (!e.action.empty()) o["action"] = e.service + "." + e.action;
    if (e.attempt > 0) o["attempt"] = e.attempt;
    if (e.http_status != 0) o["http_status"] = e.http_status;
    if (!e.error_code.empty()) o["error_code"] = e.error_code;
    if (!e.request_id.empty()) o["request_id"] = e.request_id;
    if (e.latency_us != 0) o["latency_ms"] = e.latency_us / 1000;
    timeline.push_back(std::move(o));
  }
  return {{"schema", "tcplan.audit-show/1"},
          {"run_id", run.run_id},
          {"status", run.status},
          {"plan", run.plan_file},
          {"operator", run.operator_user + "@" + run.operator_host},
          {"tool_version", run.tool_version},
          {"started", iso_time(run.started_ms)},
          {"finished", iso_time(run.finished_ms)},
          {"sealed", run.sealed},
          {"steps", steps},
          {"events", timeline}};
}

}  // namespace tcplan::cli
