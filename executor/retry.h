// Retry policy: how long to back off before attempt N (exponential, capped, with full
// jitter so a fleet of steps does not retry in lock-step), and a run-wide retry budget that
// stops a sick endpoint from being hammered however many steps are retrying.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace tcplan::executor {

using Millis = std::chrono::milliseconds;

struct RetryPolicy {
  int max_attempts = 6;  // total sends, the first one included
  Millis initial_backoff{1000};
  Millis max_backoff{30000};
};

// Delay before the attempt that follows `failed_attempts` failures (1 = after the first
// failure): uniform in [0, min(max_backoff, initial_backoff * 2^(failed_attempts-1))].
Millis backoff_delay(const RetryPolicy& policy, int failed_attempts, std::mt19937_64& rng);

// Token bucket shared by every step of a run. Each retry spends a token; tokens come back at
// `refill_per_second`. When it is empty, a retry waits for the next token instead of sending:
// a run against a failing endpoint slows down to the refill rate.
class RetryBudget {
 public:
  RetryBudget(double capacity, double refill_per_second);
  // Takes one token if available at `now`; otherwise returns how long until one is.
  // Returns zero when a token was taken.
  Millis acquire(std::chrono::steady_clock::time_point now);

 private:
  void refill(std::chrono::steady_clock::time_point now);
  double capacity_;
  double refill_per_second_;
  double tokens_;
  std::chrono::steady_clock::time_point last_{};
  bool started_ = false;
};

}  // namespace tcplan::executor
