#include "executor/preview_reader.h"

#include <algorithm>
#include <functional>

#include "api/catalog.h"

namespace tcplan::executor {

namespace {

api::ApiError interrupted_error(const std::string& service, const std::string& action) {
  api::ApiError e;
  e.code = "ClientError.Interrupted";
  e.message = "interrupted: the dry run stopped before this read";
  e.service = service;
  e.action = action;
  return e;
}

}  // namespace

PreviewReader::PreviewReader(const api::Client& client, Journal& journal,
                             Interruption& interruption, RateLimiter& limiter, double time_scale,
                             RetryPolicy policy)
    : client_(client),
      journal_(journal),
      interruption_(interruption),
      limiter_(limiter),
      time_scale_(std::max(1.0, time_scale)),
      policy_(policy),
      rng_(std::hash<std::string>{}(journal.run_id() + "/preview")) {}

base::Result<boost::json::object, api::ApiError> PreviewReader::call(
    const std::string& service, const std::string& action, const std::string& version,
    const std::string& region, const boost::json::object& params) {
  api::CallRequest req{service, action, version, region, params};
  for (int failures = 1;; ++failures) {
    if (interruption_.requested() || !wait_for_slot(req)) return interrupted_error(service, action);
    auto observer = journal_.observe({planner::kPreviewStepId, "", 0});
    auto r = client_.call(req, observer.get());
    if (r.ok()) return std::move(r->response);
    const auto cls = api::classify(r.error());
    if (failures >= policy_.max_attempts || r.error().code == api::kNotSent ||
        cls == api::ErrorClass::kPermanent) {
      return r.error();
    }
    auto delay = backoff_delay(policy_, failures, rng_);
    delay = std::max(
        Millis{1},
        Millis{static_cast<std::int64_t>(static_cast<double>(delay.count()) / time_scale_)});
    auto recorded =
        journal_.record(audit::EventKind::kRetryScheduled, {planner::kPreviewStepId, "", 0},
                        {{"reason", r.error().code},
                         {"class", api::to_string(cls)},
                         {"delay_ms", delay.count()},
                         {"read", action}});
    if (!recorded) return r.error();
    if (interruption_.wait_for(delay)) return interrupted_error(service, action);
  }
}

bool PreviewReader::wait_for_slot(const api::CallRequest& request) {
  const auto* spec = api::Catalog::builtin().find(request.service, request.action, request.version);
  const double per_second = spec ? spec->rate_limit : 20.0;
  const std::string key = RateLimiter::key(request.service, request.action, request.region);
  auto at = limiter_.reserve(key, per_second, std::chrono::steady_clock::now());
  for (;;) {
    // As the runner does (runner_calls.cc): the slot, then admission. Real time, not scaled.
    auto now = std::chrono::steady_clock::now();
    if (at <= now) {
      at = limiter_.admit(key, per_second, now);
      if (at <= now) return true;
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(at - now);
    if (interruption_.wait_for(wait + std::chrono::milliseconds{1})) return false;
  }
}

}  // namespace tcplan::executor
