// The Runner's calls: rate limiting, the blocking API call on the worker pool, and the retry
// loop that classify() drives. Every attempt is signed afresh by the client and recorded by
// the journal before it leaves.
#include <algorithm>

#include "api/catalog.h"
#include "executor/runner_internal.h"

namespace tcplan::executor {

namespace {

// The cloud forgets a ClientToken 5 minutes (of its clock) after the first call; a re-send
// must *arrive* before then, so we stop trusting the token earlier and look the resource up
// by tag instead. The margin is 30 s of the cloud's time but never under 2 s of ours: transit,
// retries and clock skew happen in real time, and against an emulator at a high time scale
// (whose 5 minutes pass in 30 ms at 10000x) a token is then never trusted for a re-send.
std::chrono::steady_clock::duration token_trust(double time_scale) {
  const double scale = std::max(1.0, time_scale);
  const double margin = std::max(30.0 / scale, 2.0);
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(300.0 / scale - margin));
}

}  // namespace

awaitable<Runner::CallResult> Runner::call_once(
    Item& it, const api::CallRequest& request, std::int64_t attempt,
    std::optional<std::chrono::steady_clock::time_point> send_by) {
  CallResult result;
  const auto* spec = api::Catalog::builtin().find(request.service, request.action, request.version);
  double per_second = spec ? spec->rate_limit : 20.0;
  std::string region = request.region.empty() ? context_region(*it.step) : request.region;
  const std::string key = RateLimiter::key(request.service, request.action, region);
  auto at = limiter_.reserve(key, per_second, std::chrono::steady_clock::now());
  for (;;) {
    // Wait for the reserved slot, then for admission: a slot that fired late (the loop was
    // busy) must not go out together with the ones after it. Rate limits are the server's,
    // in real time: never scaled.
    auto now = std::chrono::steady_clock::now();
    if (at <= now) {
      at = limiter_.admit(key, per_second, now);
      if (at <= now) break;
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(at - now);
    if (!co_await sleep_for(wait + std::chrono::milliseconds{1}, nullptr)) {
      result.interrupted = true;
      result.error.code = "ClientError.Interrupted";
      result.error.message = "interrupted before sending";
      co_return result;
    }
  }
  // Decided here, after the rate limit's wait (it can be long in a fleet), not when the
  // retry was scheduled: what matters is the token's age when the cloud sees it.
  if (send_by && std::chrono::steady_clock::now() >= *send_by) {
    result.token_expired = true;
    co_return result;
  }
  EventContext ctx = it.ctx;
  ctx.attempt = attempt;
  auto observer = journal_.observe(ctx);
  result = co_await asio::co_spawn(
      pool_,
      [&]() -> awaitable<CallResult> {
        CallResult c;
        auto r = client_.call(request, observer.get());
        if (r) {
          c.ok = true;
          c.response = std::move(*r);
        } else {
          c.error = std::move(r).error();
        }
        co_return c;
      },
      asio::use_awaitable);
  co_return result;
}

awaitable<Runner::CallResult> Runner::read(Item& it, const std::string& service,
                                           const std::string& action, json::object params,
                                           const std::string& region) {
  api::CallRequest request;
  request.service = service;
  request.action = action;
  request.region = region;
  request.params = std::move(params);
  // Reads are attempt 0: they are recorded like every call but are not attempts of the step.
  // A read changes nothing, so a throttled or transient failure is retried within the step's
  // retry policy: one lost answer must not fail a reconcile or a node selection.
  const planner::Step& step = *it.step;
  for (int failures = 1;; ++failures) {
    CallResult r = co_await call_once(it, request, 0);
    if (r.ok || r.interrupted || r.error.code == api::kNotSent) co_return r;
    const auto cls = api::classify(r.error);
    if (cls == api::ErrorClass::kPermanent || failures >= step.retry.max_attempts ||
        past_deadline(it)) {
      co_return r;
    }
    RetryPolicy policy{step.retry.max_attempts, step.retry.initial_backoff, step.retry.max_backoff};
    auto delay = std::max(scaled(backoff_delay(policy, failures, rng_)),
                          budget_.acquire(std::chrono::steady_clock::now()));
    record(audit::EventKind::kRetryScheduled, it,
           {{"reason", r.error.code},
            {"class", api::to_string(cls)},
            {"delay_ms", delay.count()},
            {"read", action}});
    if (!co_await sleep_for(delay, &it)) {
      r.interrupted = true;
      co_return r;
    }
  }
}

awaitable<Runner::CallResult> Runner::send(Item& it, const BuiltRequest& request) {
  const planner::Step& step = *it.step;
  const bool mutating = !request.spec || request.spec->mutating;
  const bool token = !request.client_token.empty();
  int failures = 0;
  // Set once an attempt may have taken effect without our seeing it: from then on only the
  // ClientToken keeps a re-send from acting twice, and only while the cloud remembers it.
  std::optional<CallResult> unknown_outcome;
  for (;;) {
    if (interrupted_) {
      CallResult r;
      r.interrupted = true;
      co_return r;
    }
    if (token && !it.sent_token) {
      it.sent_token = true;
      it.first_send = std::chrono::steady_clock::now();
      if (it.prior && it.prior->first_send_ms > 0) {
        // The token was first sent by an earlier process: its clock started then.
        auto age = std::chrono::system_clock::now() -
                   std::chrono::system_clock::time_point(
                       std::chrono::milliseconds(it.prior->first_send_ms));
        it.first_send -= std::chrono::duration_cast<std::chrono::steady_clock::duration>(age);
      }
    }
    std::optional<std::chrono::steady_clock::time_point> send_by;
    if (token && unknown_outcome) send_by = it.first_send + token_trust(options_.time_scale);
    CallResult r = co_await call_once(it, request.call, it.attempt + 1, send_by);
    if (r.token_expired) {
      unknown_outcome->ambiguous = true;  // too old to trust: look the resource up first
      co_return *unknown_outcome;
    }
    ++it.attempt;
    if (r.ok || r.interrupted) co_return r;
    const api::ApiError& err = r.error;
    if (err.code == api::kNotSent) co_return r;  // the trail could not record it: stop here
    if (api::is_duplicate_order(err)) {
      r.ambiguous = true;
      co_return r;
    }
    auto decision = api::resend_decision(err, mutating, token);
    if (decision == api::Resend::kNever) co_return r;
    if (decision == api::Resend::kAfterReadBack) {
      r.ambiguous = true;
      co_return r;
    }
    if (token && api::is_ambiguous(err)) {
      unknown_outcome = r;
      if (std::chrono::steady_clock::now() - it.first_send >= token_trust(options_.time_scale)) {
        r.ambiguous = true;  // too old to trust the token: look the resource up first
        co_return r;
      }
    }
    const auto cls = api::classify(err);
    if (cls == api::ErrorClass::kBusy) {
      // Another flow runs on the cluster: wait for it to end instead of guessing a delay.
      std::string cluster = string_param(request.call.params, "InstanceId");
      json::object payload{{"reason", err.code}, {"class", "busy"}, {"wait_for", cluster}};
      record(audit::EventKind::kRetryScheduled, it, std::move(payload));
      if (!cluster.empty() && request.call.service == "emr") {
        if (!co_await wait_cluster(it, cluster, ClusterTarget::kRunning, "busy: " + err.code)) {
          r.interrupted = interrupted_;
          if (!it.report.detail.empty()) r.error.message += "; " + it.report.detail;
          it.report.status = "pending";
          co_return r;
        }
        if (++failures >= step.retry.max_attempts * 4) co_return r;
        continue;
      }
    }
    if (++failures >= step.retry.max_attempts || past_deadline(it)) co_return r;
    RetryPolicy policy{step.retry.max_attempts, step.retry.initial_backoff, step.retry.max_backoff};
    auto delay = scaled(backoff_delay(policy, failures, rng_));
    auto wait_budget = budget_.acquire(std::chrono::steady_clock::now());
    delay = std::max(delay, wait_budget);
    record(audit::EventKind::kRetryScheduled, it,
           {{"reason", err.code},
            {"class", api::to_string(cls)},
            {"delay_ms", delay.count()},
            {"next_attempt", it.attempt + 1}});
    if (!co_await sleep_for(delay, &it)) {
      r.interrupted = true;
      co_return r;
    }
  }
}

}  // namespace tcplan::executor
