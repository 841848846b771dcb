// Client-side rate limits: one lane per (service, action, region) at the catalog's documented
// rate, so that a fleet plan runs just under the limit instead of being throttled by it.
// Reservations are handed out in order: the caller is told *when* it may send, and sends then.
#pragma once

#include <chrono>
#include <map>
#include <string>

namespace tcplan::executor {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // `headroom` < 1 keeps the client a little under the documented rate: the server's window
  // and our clock are not aligned, and a request landing just early would be throttled.
  explicit RateLimiter(double headroom = 0.97) : headroom_(headroom) {}

  // Reserves the next send slot for `key` at `per_second`, and returns the time at which the
  // request may be sent (now, or later). Slots are spaced evenly and handed out in order, so
  // each waiting request wakes once, in turn.
  Clock::time_point reserve(const std::string& key, double per_second, Clock::time_point now);

  // Called when a reserved slot has come, just before sending. Returns `now` when the send may
  // go (and counts it), else the later time to try again. A slot is a promise about when the
  // caller wakes, not about when it sends: if the event loop was busy (a burst of audit
  // fsyncs), several expired slots fire together, and sending them all at once is the burst
  // the server throttles. Admission spaces the *actual* sends (a cell-rate check with half a
  // slot of tolerance), so any one-second window holds at most the documented number.
  Clock::time_point admit(const std::string& key, double per_second, Clock::time_point now);

  static std::string key(const std::string& service, const std::string& action,
                         const std::string& region) {
    return service + "/" + action + "/" + region;
  }

 private:
  struct Lane {
    Clock::time_point next_slot{};  // the next reservation
    Clock::time_point expected{};   // when the next send is due if sends keep the spacing
    bool reserved = false;
    bool sent = false;
  };
  Clock::duration interval(double per_second) const;

  double headroom_;
  std::map<std::string, Lane> lanes_;
};

}  // namespace tcplan::executor
