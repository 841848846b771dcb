// The Runner's calls: rate limiting, the blocking API call on the worker pool, and the retry
// loop that classify() drives. Every attempt is signed afresh by the client and recorded by
// the journal before it leaves.
#include <algorithm>

#include "api/catalog.h"
#include "api/pages.h"
#include "executor/runner_internal.h"

namespace tcplan::executor {

awaitable<bool> Runner::wait_for_slot(const api::CallRequest& request) {
  const auto* spec = api::Catalog::builtin().find(request.service, request.action, request.version);
  const double per_second = spec ? spec->rate_limit : 20.0;
  const std::string key = RateLimiter::key(request.service, request.action, request.region);
  auto at = limiter_->reserve(key, per_second, std::chrono::steady_clock::now());
  for (;;) {
    // Wait for the reserved slot, then for admission: a slot that fired late (the loop was
    // busy) must not go out together with the ones after it. Rate limits are the server's,
    // in real time: never scaled.
    auto now = std::chrono::steady_clock::now();
    if (at <= now) {
      at = limiter_->admit(key, per_second, now);
      if (at <= now) co_return true;
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(at - now);
    if (!co_await sleep_for(wait + std::chrono::milliseconds{1}, nullptr)) co_return false;
  }
}

awaitable<Runner::CallResult> Runner::call_on_pool(const api::CallRequest& request,
                                                   const EventContext& ctx) {
  auto observer = journal_.observe(ctx);
  co_return co_await asio::co_spawn(
      pool_,
      [&]() -> awaitable<CallResult> {
        CallResult c;
        auto r = client_.call(request, observer.get());
        if (r) {
          c.ok = true;
          c.response = std::move(*r);
        } else {
          c.error = std::move(r).error();
          // No valid credentials (a refresh failed): the source has asked the run to stop;
          // this item stops with it, resumable, rather than failing.
          c.interrupted = c.error.code == api::kCredentialsUnavailable;
        }
        co_return c;
      },
      asio::use_awaitable);
}

awaitable<Runner::CallResult> Runner::call_once(
    Item& it, const api::CallRequest& request, std::int64_t attempt,
    std::optional<std::chrono::steady_clock::time_point> send_by) {
  CallResult result;
  auto interrupted = [&] {
    result.interrupted = true;
    result.error.code = "ClientError.Interrupted";
    result.error.message = "interrupted before sending";
  };
  // After Ctrl-C nothing new leaves, however soon its rate-limit slot would come.
  if (interrupted_) {
    interrupted();
    co_return result;
  }
  api::CallRequest paced = request;
  if (paced.region.empty()) paced.region = context_region(*it.step);
  if (!co_await wait_for_slot(paced)) {
    interrupted();
    co_return result;
  }
  // Decided here, after the rate limit's wait (it can be long in a fleet), not when the
  // retry was scheduled: what matters is the token's age when the cloud sees it.
  if (send_by && std::chrono::steady_clock::now() >= *send_by) {
    result.token_expired = true;
    co_return result;
  }
  EventContext ctx = it.ctx;
  ctx.attempt = attempt;
  co_return co_await call_on_pool(request, ctx);
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
  for (int failures = 1;; ++failures) {
    CallResult r = co_await call_once(it, request, 0);
    if (r.ok || r.interrupted || r.error.code == api::kNotSent) co_return r;
    const auto delay = read_retry_delay(it, r.error, failures, {{"read", action}});
    if (!delay) co_return r;
    if (!co_await sleep_for(*delay, &it)) {
      r.interrupted = true;
      co_return r;
    }
  }
}

awaitable<Runner::ListResult> Runner::read_all(Item& it, const std::string& service,
                                               const std::string& action, json::object params,
                                               const std::string& region,
                                               const std::string& list_field) {
  ListResult out;
  api::PageCursor cursor(std::move(params), list_field);
  while (!cursor.done()) {
    CallResult r = co_await read(it, service, action, cursor.next_request(), region);
    if (!r.ok) {
      out.interrupted = r.interrupted;
      out.error = std::move(r.error);
      co_return out;
    }
    if (auto taken = cursor.take(r.response.response); !taken.ok()) {
      out.error.code = api::kParseJson;
      out.error.message = taken.error().message;
      out.error.service = service;
      out.error.action = action;
      co_return out;
    }
  }
  out.ok = true;
  out.items = cursor.take_items();
  co_return out;
}

std::optional<std::chrono::milliseconds> Runner::read_retry_delay(Item& it,
                                                                  const api::ApiError& error,
                                                                  int failures, json::object what) {
  const planner::Step& step = *it.step;
  const auto cls = api::classify(error);
  if (cls == api::ErrorClass::kPermanent || failures >= step.retry.max_attempts ||
      past_deadline(it)) {
    return std::nullopt;
  }
  RetryPolicy policy{step.retry.max_attempts, step.retry.initial_backoff, step.retry.max_backoff};
  const auto delay = std::max(scaled(backoff_delay(policy, failures, rng_)),
                              budget_.acquire(std::chrono::steady_clock::now()));
  json::object payload{
      {"reason", error.code}, {"class", api::to_string(cls)}, {"delay_ms", delay.count()}};
  for (auto& [k, v] : what)
    payload[k] = std::move(v);
  record(audit::EventKind::kRetryScheduled, it, payload);
  return delay;
}

ResendFacts Runner::resend_facts(const Item& it, const BuiltRequest& request,
                                 const ReadResult* read) const {
  ResendFacts f;
  f.action = action_facts(request.call.service, request.call.action, request.call.params);
  f.attempts = it.outcomes;
  f.time_scale = options_.time_scale;
  // The cloud's clock runs time_scale times faster than ours (1 against the real cloud).
  if (it.token_clock) {
    f.token_age = std::chrono::milliseconds(static_cast<std::int64_t>(
        static_cast<double>(it.token_clock->age().count()) * std::max(1.0, options_.time_scale)));
  }
  if (read) {
    f.read = read->verdict;
    f.read_soon_after = read->soon_after;
  }
  return f;
}

awaitable<Runner::CallResult> Runner::send(Item& it, const BuiltRequest& request) {
  const planner::Step& step = *it.step;
  const bool token = !request.client_token.empty();
  int failures = 0;
  // Set once the rule let an uncertain attempt be followed by a re-send on the strength of
  // the ClientToken: the re-send must still leave while the token is trusted.
  bool on_token = false;
  CallResult last;
  for (;;) {
    if (interrupted_) {
      CallResult r;
      r.interrupted = true;
      co_return r;
    }
    if (token && !it.token_clock) it.token_clock = Stamp{};
    std::optional<std::chrono::steady_clock::time_point> send_by;
    if (on_token) {
      const auto window = token_trust_window(options_.time_scale);
      const auto age = resend_facts(it, request, nullptr).token_age.value_or(window);
      const auto left = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double, std::milli>(static_cast<double>((window - age).count()) /
                                                    std::max(1.0, options_.time_scale)));
      send_by = std::chrono::steady_clock::now() + left;
    }
    CallResult r = co_await call_once(it, request.call, it.attempt + 1, send_by);
    if (r.token_expired) {
      // Too old to trust by the time the rate limit let it go: ask the rule again.
      last.unknown = decide_resend(resend_facts(it, request, nullptr));
      co_return last;
    }
    ++it.attempt;
    if (r.ok || r.interrupted) {
      if (r.ok) it.outcomes.push_back(AttemptOutcome::kAnswered);
      co_return r;
    }
    const api::ApiError& err = r.error;
    if (err.code == api::kNotSent) co_return r;  // the trail could not record it: stop here
    const AttemptOutcome outcome = attempt_outcome(err);
    it.outcomes.push_back(outcome);
    if (api::is_duplicate_order(err)) {
      // The cloud says an earlier attempt's order is in: find it, do not send again.
      it.last_uncertain = Stamp{};
      r.unknown = ResendDecision{Resend::kRead, "the cloud says the order was already placed"};
      co_return r;
    }
    if (uncertain(outcome)) {
      it.last_uncertain = Stamp{};
      const ResendDecision d = decide_resend(resend_facts(it, request, nullptr));
      r.unknown = d;
      if (d.action != Resend::kSend) co_return r;  // read first, or no read can tell
      on_token = token;
    } else if (api::classify(err) == api::ErrorClass::kPermanent) {
      co_return r;
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
          it.report.status = ItemState::kPending;
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
    json::object payload{{"reason", err.code},
                         {"class", api::to_string(cls)},
                         {"delay_ms", delay.count()},
                         {"next_attempt", it.attempt + 1}};
    if (r.unknown) payload["resend"] = r.unknown->why;
    record(audit::EventKind::kRetryScheduled, it, std::move(payload));
    last = r;
    if (!co_await sleep_for(delay, &it)) {
      r.interrupted = true;
      co_return r;
    }
  }
}

}  // namespace tcplan::executor
