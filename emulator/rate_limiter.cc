#include "emulator/rate_limiter.h"

#include <algorithm>
#include <chrono>

namespace tcplan::emulator {

std::int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

RateLimiter::RateLimiter(Clock now_ns) : now_ns_(std::move(now_ns)) {}

bool RateLimiter::allow(const std::string& key, int per_second) {
  if (per_second <= 0) return true;
  const std::int64_t now = now_ns_();
  std::lock_guard lock(mu_);
  auto [it, inserted] = buckets_.try_emplace(key);
  Bucket& b = it->second;
  const double capacity = per_second;
  if (inserted) {
    b.tokens = capacity;
  } else if (now > b.last_ns) {
    b.tokens = std::min(capacity, b.tokens + static_cast<double>(now - b.last_ns) * 1e-9 *
                                                 static_cast<double>(per_second));
  }
  b.last_ns = std::max(b.last_ns, now);
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

}  // namespace tcplan::emulator
