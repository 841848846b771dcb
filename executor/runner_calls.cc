// The Runner's calls: rate limiting, the blocking API call on the worker pool, and the retry
// loop that classify() drives. Every attempt is signed afresh by the client and recorded by
// the journal before it leaves.
#include "api/catalog.h"
#include "executor/runner_internal.h"

namespace tcplan::executor {

namespace {

// The cloud forgets a ClientToken after 5 minutes; we stop trusting it a little earlier and
// look the resource up by tag instead.
constexpr std::chrono::seconds kTokenTrust{270};

}  // namespace

awaitable<Runner::CallResult> Runner::call_once(Item& it, const api::CallRequest& request,
                                                std::int64_t attempt) {
  CallResult result;
  const auto* spec = api::Catalog::builtin().find(request.service, request.action, request.version);
  double per_second = spec ? spec->rate_limit : 20.0;
  std::string region = request.region.empty() ? context_region(*it.step) : request.region;
  auto slot = limiter_.reserve(RateLimiter::key(request.service, request.action, region),
                               per_second, std::chrono::steady_clock::now());
  if (slot > std::chrono::steady_clock::now()) {
    // Rate limits are the server's, in real time: never scaled.
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
        slot - std::chrono::steady_clock::now());
    if (!co_await sleep_for(wait + std::chrono::milliseconds{1}, nullptr)) {
      result.interrupted = true;
      result.error.code = "ClientError.Interrupted";
      result.error.message = "interrupted before sending";
      co_return result;
    }
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
  co_return co_await call_once(it, request, 0);
}

awaitable<Runner::CallResult> Runner::send(Item& it, const BuiltRequest& request) {
  const planner::Step& step = *it.step;
  const bool mutating = !request.spec || request.spec->mutating;
  const bool token = !request.client_token.empty();
  int failures = 0;
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
    CallResult r = co_await call_once(it, request.call, ++it.attempt);
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
      auto age = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - it.first_send) *
                 options_.time_scale;
      if (age >= kTokenTrust) {
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
