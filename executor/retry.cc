#include "executor/retry.h"

#include <algorithm>
#include <cmath>

namespace tcplan::executor {

Millis backoff_delay(const RetryPolicy& policy, int failed_attempts, std::mt19937_64& rng) {
  if (failed_attempts < 1) return Millis{0};
  // Cap the exponent first: 2^62 ms would overflow long before max_backoff matters.
  int exponent = std::min(failed_attempts - 1, 30);
  double ceiling = static_cast<double>(policy.initial_backoff.count()) * std::ldexp(1.0, exponent);
  ceiling = std::min(ceiling, static_cast<double>(policy.max_backoff.count()));
  if (ceiling <= 0) return Millis{0};
  // Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): spreads retries of
  // many clients evenly instead of synchronising them at the ceiling.
  std::uniform_real_distribution<double> dist(0.0, ceiling);
  return Millis{static_cast<std::int64_t>(dist(rng))};
}

RetryBudget::RetryBudget(double capacity, double refill_per_second)
    : capacity_(capacity), refill_per_second_(refill_per_second), tokens_(capacity) {}

void RetryBudget::refill(std::chrono::steady_clock::time_point now) {
  if (!started_) {
    started_ = true;
    last_ = now;
    return;
  }
  if (now <= last_) return;
  double seconds = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(capacity_, tokens_ + seconds * refill_per_second_);
  last_ = now;
}

Millis RetryBudget::acquire(std::chrono::steady_clock::time_point now) {
  refill(now);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return Millis{0};
  }
  double missing = 1.0 - tokens_;
  auto wait = std::ceil(missing / refill_per_second_ * 1000.0);
  return Millis{std::max<std::int64_t>(1, static_cast<std::int64_t>(wait))};
}

}  // namespace tcplan::executor
