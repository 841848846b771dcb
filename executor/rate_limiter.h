// Client-side rate limits: one lane per (service, action, region) at the catalog's documented
// rate, so that a fleet plan runs just under the limit instead of being throttled by it.
// Reservations are handed out in order: the caller is told *when* it may send, and sends then.
// With a shared budget (a team store: rate_budget.h) the send slots come from the store, so
// every process sharing it stays, in sum, under the one documented limit.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"

namespace tcplan::executor {

// Send slots shared with other processes: booked in small slices, first come first served.
class SlotSource {
 public:
  using Clock = std::chrono::steady_clock;
  virtual ~SlotSource() = default;
  // Books `count` consecutive slots of `key`, 1/`per_second` apart, after every slot anyone
  // booked before and no earlier than now; their times on this process's steady clock.
  virtual base::Result<std::vector<Clock::time_point>> take(const std::string& key,
                                                            double per_second, int count,
                                                            Clock::time_point now) = 0;
  // Hands back the booked slots from `first_unused` on (best effort: only if no one booked
  // after them).
  virtual void give_back(const std::string& key, Clock::time_point first_unused) = 0;
};

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // `headroom` < 1 keeps the client a little under the documented rate: the server's window
  // and our clock are not aligned, and a request landing just early would be throttled.
  // `shared`: the budget other processes share (nullptr: this process's alone).
  explicit RateLimiter(double headroom = 0.97, std::shared_ptr<SlotSource> shared = nullptr)
      : headroom_(headroom), shared_(std::move(shared)) {}
  // Hands back shared slots booked and never used.
  ~RateLimiter();
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Reserves the next send slot for `key` at `per_second`, and returns the time at which the
  // request may be sent (now, or later). Slots are spaced evenly and handed out in order, so
  // each waiting request wakes once, in turn. Shared: the slot is one booked in the store
  // (a slice of up to a quarter second of the rate is booked at a time).
  Clock::time_point reserve(const std::string& key, double per_second, Clock::time_point now);

  // Called when a reserved slot has come, just before sending. Returns `now` when the send may
  // go (and counts it), else the later time to try again. A slot is a promise about when the
  // caller wakes, not about when it sends: if the event loop was busy (a burst of audit
  // fsyncs), several expired slots fire together, and sending them all at once is the burst
  // the server throttles. Admission spaces the *actual* sends (a cell-rate check with half a
  // slot of tolerance), so any one-second window holds at most the documented number. Shared:
  // a send uses a slot of its own within half a slot of its time; a slot missed by more is
  // dropped and a new one booked — the same bound, over every process together.
  Clock::time_point admit(const std::string& key, double per_second, Clock::time_point now);

  static std::string key(const std::string& service, const std::string& action,
                         const std::string& region) {
    return service + "/" + action + "/" + region;
  }

  // Slices booked from the shared budget so far (how often the store was asked).
  std::size_t shared_takes() const { return takes_; }

 private:
  struct Lane {
    Clock::time_point next_slot{};  // the next reservation
    Clock::time_point expected{};   // when the next send is due if sends keep the spacing
    bool reserved = false;
    bool sent = false;
    std::deque<Clock::time_point> booked;   // shared: slots booked, not yet reserved
    std::multiset<Clock::time_point> held;  // shared: slots reserved, not yet sent
  };
  Clock::duration interval(double per_second) const;
  // Shared: the next booked slot of the lane that is not already past (booking more when the
  // lane has none); false when the store could not be asked.
  bool next_booked(Lane& lane, const std::string& key, double per_second, Clock::time_point now,
                   Clock::time_point& slot);
  Clock::time_point reserve_local(Lane& lane, double per_second, Clock::time_point now);
  Clock::time_point admit_local(Lane& lane, double per_second, Clock::time_point now);

  double headroom_;
  std::shared_ptr<SlotSource> shared_;
  bool shared_failed_ = false;  // the store failed once: this run paces itself from then on
  std::size_t takes_ = 0;
  std::map<std::string, Lane> lanes_;
};

}  // namespace tcplan::executor
