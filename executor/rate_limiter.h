// Client-side rate limits: one bucket per (service, action, region) at the catalog's documented
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
  // request may be sent (now, or later). Slots are spaced evenly: no bursts.
  Clock::time_point reserve(const std::string& key, double per_second, Clock::time_point now);

  static std::string key(const std::string& service, const std::string& action,
                         const std::string& region) {
    return service + "/" + action + "/" + region;
  }

 private:
  double headroom_;
  std::map<std::string, Clock::time_point> next_slot_;
};

}  // namespace tcplan::executor
