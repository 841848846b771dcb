#include "executor/rate_limiter.h"

#include <algorithm>

namespace tcplan::executor {

RateLimiter::Clock::duration RateLimiter::interval(double per_second) const {
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(1.0 / (per_second * headroom_)));
}

RateLimiter::Clock::time_point RateLimiter::reserve(const std::string& key, double per_second,
                                                    Clock::time_point now) {
  Lane& lane = lanes_[key];
  Clock::time_point slot = lane.reserved ? std::max(lane.next_slot, now) : now;
  lane.reserved = true;
  lane.next_slot = slot + interval(per_second);
  return slot;
}

RateLimiter::Clock::time_point RateLimiter::admit(const std::string& key, double per_second,
                                                  Clock::time_point now) {
  Lane& lane = lanes_[key];
  const Clock::duration t = interval(per_second);
  // Half a slot of tolerance absorbs timer jitter without drift, and still keeps any window
  // of one second at or under the documented count: at most 1 + (1 s + t/2) / t sends, which
  // is 20 for 20/s at 0.97 headroom.
  const Clock::duration tolerance = t / 2;
  if (lane.sent && now < lane.expected - tolerance) return lane.expected - tolerance;
  lane.expected = (lane.sent ? std::max(lane.expected, now) : now) + t;
  lane.sent = true;
  return now;
}

}  // namespace tcplan::executor
