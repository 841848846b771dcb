#include "executor/resend_rule.h"

#include <algorithm>

#include "api/catalog.h"
#include "base/duration.h"

namespace tcplan::executor {

namespace {

std::string param_text(const boost::json::object& params, std::string_view key) {
  auto* v = params.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

struct KnownRead {
  std::string_view service, action, read;
  bool fades = false;
};

// The reads runner_reconcile.cc makes, by action. Keep the two in step.
constexpr KnownRead kReads[] = {
    {"emr", "CreateInstance", "DescribeInstances: a cluster tagged with this run and step"},
    {"emr", "CreateCluster", "DescribeInstances: a cluster tagged with this run and step"},
    {"emr", "ScaleOutInstance", "DescribeClusterNodes: nodes tagged with this run and step"},
    {"emr", "ScaleOutCluster", "DescribeClusterNodes: nodes tagged with this run and step"},
    {"emr", "TerminateTasks", "DescribeClusterNodes: whether the nodes are still there"},
    {"emr", "TerminateClusterNodes", "DescribeClusterNodes: whether the nodes are still there"},
    {"emr", "TerminateInstance", "DescribeInstances: whether the cluster is being destroyed"},
    {"emr", "StartStopServiceOrMonitor",
     "DescribeInstances: the cluster's status while services restart", true},
    {"emr", "ModifyResourceScheduler", "DescribeResourceSchedule: the scheduler in service"},
    {"emr", "ModifyResourceScheduleConfig", "DescribeResourceSchedule: FSInfo / CSInfo"},
    {"cvm", "TerminateInstances", "DescribeInstances: each instance's state"},
    {"ecm", "TerminateInstances", "DescribeInstances: each instance's state"},
};

std::string age_text(std::chrono::milliseconds d) {
  return base::format_duration(d / 1000 * 1000);
}

}  // namespace

AttemptOutcome attempt_outcome(const api::ApiError& error) {
  if (error.code.empty()) return AttemptOutcome::kAnswered;
  if (error.code == api::kNotSent || error.code == api::kInvalidRequest)
    return AttemptOutcome::kRefused;
  // "Duplicate order": an earlier attempt's order reached the cloud.
  if (api::is_duplicate_order(error)) return AttemptOutcome::kLost;
  const auto cls = api::classify(error);
  if (cls == api::ErrorClass::kThrottled || cls == api::ErrorClass::kBusy)
    return AttemptOutcome::kRefused;
  if (error.code == api::kNetworkError && !error.maybe_sent) return AttemptOutcome::kRefused;
  if (error.code == api::kHttpStatus && error.http_status >= 500)
    return AttemptOutcome::kServerError;
  if (api::is_ambiguous(error)) return AttemptOutcome::kLost;
  // InternalError*, ServiceUnavailable, ResourceUnavailable: an answer, but from a backend
  // that may have done part of the work.
  if (cls == api::ErrorClass::kTransient) return AttemptOutcome::kServerError;
  return AttemptOutcome::kRefused;
}

bool uncertain(AttemptOutcome outcome) {
  return outcome == AttemptOutcome::kServerError || outcome == AttemptOutcome::kLost ||
         outcome == AttemptOutcome::kUnanswered;
}

ActionFacts action_facts(std::string_view service, std::string_view action,
                         const boost::json::object& params) {
  ActionFacts f;
  if (const auto* spec = api::Catalog::builtin().find(service, action)) {
    f.mutating = spec->mutating;
    f.client_token = spec->client_token;
  }
  for (const auto& r : kReads) {
    if (r.service != service || r.action != action) continue;
    f.readable = true;
    f.fades = r.fades;
    f.read = std::string(r.read);
  }
  if (service == "emr" && action == "ModifyResourceScheduleConfig") {
    // DescribeResourceSchedule shows the fair and capacity configurations, not fairPlan.
    std::string key = param_text(params, "Key");
    if (key != "fair" && key != "capacity") {
      f.readable = false;
      f.read.clear();
    }
  }
  return f;
}

std::chrono::milliseconds token_trust_window(double time_scale) {
  const double scale = std::max(1.0, time_scale);
  const double margin_s = std::max(30.0, 2.0 * scale);
  const double window_s = std::max(0.0, 300.0 - margin_s);
  return std::chrono::milliseconds(static_cast<std::int64_t>(window_s * 1000));
}

ResendDecision decide_resend(const ResendFacts& f) {
  const auto& a = f.attempts;
  auto any = [&](AttemptOutcome o) { return std::find(a.begin(), a.end(), o) != a.end(); };
  const std::string n = std::to_string(a.size()) + (a.size() == 1 ? " attempt" : " attempts");

  if (any(AttemptOutcome::kAnswered)) {
    return {Resend::kAdopt, "an attempt was answered: it took effect; not sent again"};
  }
  if (std::none_of(a.begin(), a.end(), uncertain)) {
    return {Resend::kSend,
            a.empty() ? "not sent before"
                      : "the cloud refused every earlier attempt (" + n + "), so none took effect"};
  }
  if (!f.action.mutating) return {Resend::kSend, "a read changes nothing: sent again"};

  if (!f.read) {
    if (f.action.client_token && f.token_age && *f.token_age < token_trust_window(f.time_scale)) {
      return {Resend::kSend, "the ClientToken is still trusted (first sent " +
                                 age_text(*f.token_age) +
                                 " ago by the cloud's clock): the cloud answers a repeat with "
                                 "the first result"};
    }
    if (f.action.readable) {
      return {Resend::kRead, f.action.client_token
                                 ? "the ClientToken may have expired: read before sending"
                                 : "no ClientToken: read before sending"};
    }
    return {Resend::kFail, "no read shows whether it took effect"};
  }

  switch (*f.read) {
    case ReadVerdict::kApplied:
      return {Resend::kAdopt, "a read shows it took effect; not sent again"};
    case ReadVerdict::kAbsent:
      return {Resend::kSend, "a read shows it did not take effect: sent again"};
    case ReadVerdict::kPartial:
      return {Resend::kSendRest, "a read shows part of it took effect: the rest is sent"};
    case ReadVerdict::kUnknown:
      return {Resend::kFail, "a read could not tell whether it took effect"};
    case ReadVerdict::kNotVisible:
      break;
  }
  if (f.read_soon_after) {
    return {Resend::kSend, "a read right after the attempt would still see it: sent again"};
  }
  if (any(AttemptOutcome::kLost)) {
    return {Resend::kAdopt,
            "an attempt reached the cloud and got no answer, and its effect would have ended by "
            "now (a read cannot see it): assumed done, never repeated; check it if in doubt"};
  }
  return {Resend::kSend,
          "no attempt is known to have reached the cloud and a read shows nothing running: sent "
          "again (if the lost one did run, this runs it a second time)"};
}

std::string_view to_string(AttemptOutcome outcome) {
  switch (outcome) {
    case AttemptOutcome::kAnswered:
      return "answered";
    case AttemptOutcome::kRefused:
      return "refused";
    case AttemptOutcome::kServerError:
      return "server_error";
    case AttemptOutcome::kLost:
      return "lost";
    case AttemptOutcome::kUnanswered:
      return "unanswered";
  }
  return "unanswered";
}

std::string_view to_string(ReadVerdict verdict) {
  switch (verdict) {
    case ReadVerdict::kApplied:
      return "applied";
    case ReadVerdict::kAbsent:
      return "absent";
    case ReadVerdict::kPartial:
      return "partial";
    case ReadVerdict::kNotVisible:
      return "not_visible";
    case ReadVerdict::kUnknown:
      return "unknown";
  }
  return "unknown";
}

std::string_view to_string(Resend action) {
  switch (action) {
    case Resend::kSend:
      return "send";
    case Resend::kRead:
      return "read";
    case Resend::kAdopt:
      return "adopt";
    case Resend::kSendRest:
      return "send_rest";
    case Resend::kFail:
      return "fail";
  }
  return "fail";
}

}  // namespace tcplan::executor
