#include "executor/rate_limiter.h"

#include <algorithm>

namespace tcplan::executor {

RateLimiter::Clock::time_point RateLimiter::reserve(const std::string& key, double per_second,
                                                    Clock::time_point now) {
  auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(1.0 / (per_second * headroom_)));
  auto [it, inserted] = next_slot_.try_emplace(key, now);
  Clock::time_point slot = inserted ? now : std::max(it->second, now);
  it->second = slot + interval;
  return slot;
}

}  // namespace tcplan::executor
