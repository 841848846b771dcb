#include "executor/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace tcplan::executor {

RateLimiter::~RateLimiter() {
  if (!shared_ || shared_failed_) return;
  for (auto& [key, lane] : lanes_) {
    if (!lane.booked.empty()) shared_->give_back(key, lane.booked.front());
  }
}

RateLimiter::Clock::duration RateLimiter::interval(double per_second) const {
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(1.0 / (per_second * headroom_)));
}

RateLimiter::Clock::time_point RateLimiter::reserve_local(Lane& lane, double per_second,
                                                          Clock::time_point now) {
  Clock::time_point slot = lane.reserved ? std::max(lane.next_slot, now) : now;
  lane.reserved = true;
  lane.next_slot = slot + interval(per_second);
  return slot;
}

RateLimiter::Clock::time_point RateLimiter::admit_local(Lane& lane, double per_second,
                                                        Clock::time_point now) {
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

bool RateLimiter::next_booked(Lane& lane, const std::string& key, double per_second,
                              Clock::time_point now, Clock::time_point& slot) {
  const Clock::duration tolerance = interval(per_second) / 2;
  for (int asked = 0;; ++asked) {
    // A booked slot already further behind than the tolerance is lost: it cannot be used
    // without crowding the slots after it (which may be another process's).
    while (!lane.booked.empty() && lane.booked.front() + tolerance < now)
      lane.booked.pop_front();
    if (!lane.booked.empty()) {
      slot = lane.booked.front();
      lane.booked.pop_front();
      return true;
    }
    if (asked == 3) return false;  // booked slots that are always already past: a broken clock
    // A quarter second of the rate per booking: the store is asked a few times a second.
    const int slice = std::max(1, static_cast<int>(std::floor(per_second * headroom_ / 4)));
    auto taken = shared_->take(key, per_second * headroom_, slice, now);
    ++takes_;
    if (!taken || taken->empty()) return false;
    lane.booked.insert(lane.booked.end(), taken->begin(), taken->end());
    // Slots are booked from now on, so at least the last of them is usable.
  }
}

RateLimiter::Clock::time_point RateLimiter::reserve(const std::string& key, double per_second,
                                                    Clock::time_point now) {
  Lane& lane = lanes_[key];
  if (shared_ && !shared_failed_) {
    Clock::time_point slot;
    if (next_booked(lane, key, per_second, now, slot)) {
      lane.held.insert(slot);
      return std::max(slot, now);
    }
    // The store is unreachable: keep the run going, paced as if alone (the server may then
    // throttle, which is retried). The slice source says why, once.
    shared_failed_ = true;
  }
  return reserve_local(lane, per_second, now);
}

RateLimiter::Clock::time_point RateLimiter::admit(const std::string& key, double per_second,
                                                  Clock::time_point now) {
  Lane& lane = lanes_[key];
  if (!shared_ || shared_failed_) return admit_local(lane, per_second, now);
  const Clock::duration tolerance = interval(per_second) / 2;
  // Reserved slots are interchangeable within the process: the caller due now takes the
  // earliest. One missed by more than the tolerance is replaced by a newly booked one.
  while (!lane.held.empty() && *lane.held.begin() + tolerance < now) {
    lane.held.erase(lane.held.begin());
    Clock::time_point fresh;
    if (!next_booked(lane, key, per_second, now, fresh)) {
      shared_failed_ = true;
      return admit_local(lane, per_second, now);
    }
    lane.held.insert(fresh);
  }
  if (lane.held.empty()) {
    // Admission without a reservation (not how the runner calls it): book one.
    Clock::time_point fresh;
    if (!next_booked(lane, key, per_second, now, fresh)) {
      shared_failed_ = true;
      return admit_local(lane, per_second, now);
    }
    lane.held.insert(fresh);
  }
  const Clock::time_point first = *lane.held.begin();
  if (first > now) return first;
  lane.held.erase(lane.held.begin());
  return now;
}

}  // namespace tcplan::executor
