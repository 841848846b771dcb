// Client-side rate limiter admission: slots that fire late (a busy event loop) must not go out
// as a burst, on-time slots must not drift, and no one-second window may exceed the documented
// count. Pure: every time is passed in.
#include "executor/rate_limiter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

namespace tcplan::executor {
namespace rate_limiter_test {

using namespace std::chrono_literals;
using Clock = RateLimiter::Clock;

const std::string kKey = RateLimiter::key("emr", "DescribeInstances", "ap-guangzhou");

// Sends `n` requests whose slots fire `late(i)` after they were due, retrying admission at
// the time the limiter names (as the runner does), and returns the actual send times.
template <typename Late>
std::vector<Clock::time_point> send_all(RateLimiter& limiter, int n, Clock::time_point t0,
                                        Late late) {
  std::vector<Clock::time_point> slots, sent;
  for (int i = 0; i < n; ++i)
    slots.push_back(limiter.reserve(kKey, 20, t0));
  // Wake-ups are processed in time order, as timers fire.
  std::vector<std::pair<Clock::time_point, int>> pending;
  for (int i = 0; i < n; ++i)
    pending.push_back({slots[i] + late(i), i});
  sent.assign(n, Clock::time_point{});
  while (!pending.empty()) {
    auto first = std::min_element(pending.begin(), pending.end());
    auto [at, i] = *first;
    pending.erase(first);
    auto next = limiter.admit(kKey, 20, at);
    if (next <= at) {
      sent[i] = at;
    } else {
      pending.push_back({next, i});
    }
  }
  std::sort(sent.begin(), sent.end());
  return sent;
}

std::size_t max_in_one_second(const std::vector<Clock::time_point>& sent) {
  std::size_t best = 0;
  for (std::size_t i = 0; i < sent.size(); ++i) {
    std::size_t j = i;
    while (j < sent.size() && sent[j] - sent[i] < 1s)
      ++j;
    best = std::max(best, j - i);
  }
  return best;
}

TEST(RateLimiterAdmit, OnTimeSlotsAreAdmittedAtTheirSlotWithNoDrift) {
  RateLimiter limiter(0.97);
  auto t0 = Clock::time_point{} + 1h;
  // Timer jitter of up to a fifth of a slot, alternating: admitted at once, no drift.
  auto sent = send_all(limiter, 200, t0, [](int i) { return i % 2 ? 10ms : 0ms; });
  auto span = std::chrono::duration<double>(sent.back() - sent.front()).count();
  EXPECT_NEAR(199 / span, 20 * 0.97, 0.05);
  EXPECT_LE(max_in_one_second(sent), 20u);
}

TEST(RateLimiterAdmit, SlotsThatFireTogetherAfterAStallAreSpacedNotBurst) {
  RateLimiter limiter(0.97);
  auto t0 = Clock::time_point{} + 1h;
  // The loop is stuck for 1.3 s: the first 26 slots all fire at t0 + 1.3 s.
  auto sent = send_all(limiter, 60, t0, [&](int i) {
    auto due = std::chrono::duration_cast<Clock::duration>(i * 1s / 19.4);
    return due < 1300ms ? Clock::duration(1300ms) - due : Clock::duration(0);
  });
  // Without admission 26 requests would leave at once; the server's bucket holds 20.
  for (std::size_t i = 1; i < sent.size(); ++i) {
    EXPECT_GE(sent[i] - sent[i - 1], 1s / 19.4 / 2) << "send " << i;
  }
  EXPECT_LE(max_in_one_second(sent), 20u);
}

TEST(RateLimiterAdmit, RandomLatenessNeverPutsMoreThanTheLimitInAnySecond) {
  RateLimiter limiter(0.97);
  auto t0 = Clock::time_point{} + 1h;
  std::uint32_t x = 12345;  // a fixed LCG: the same "random" lateness on every run
  auto sent = send_all(limiter, 400, t0, [&](int) {
    x = x * 1664525u + 1013904223u;
    return std::chrono::milliseconds((x >> 16) % 700);
  });
  EXPECT_LE(max_in_one_second(sent), 20u);
}

TEST(RateLimiterAdmit, LanesAreIndependent) {
  RateLimiter limiter(0.97);
  auto t0 = Clock::time_point{} + 1h;
  auto other = RateLimiter::key("emr", "ScaleOutInstance", "ap-guangzhou");
  EXPECT_EQ(limiter.admit(kKey, 20, t0), t0);
  EXPECT_EQ(limiter.admit(other, 20, t0), t0);
  EXPECT_GT(limiter.admit(kKey, 20, t0), t0);
}

// The store's bucket as the PostgreSQL backend keeps it (rate_buckets): the time of the next
// free slot; a booking takes `count` slots from max(next free, now).
class SharedBucket : public SlotSource {
 public:
  base::Result<std::vector<Clock::time_point>> take(const std::string& key, double per_second,
                                                    int count, Clock::time_point now) override {
    ++takes;
    const auto step = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(1.0 / per_second));
    Clock::time_point& next = next_[key];
    Clock::time_point first = std::max(next, now);
    std::vector<Clock::time_point> out;
    for (int i = 0; i < count; ++i)
      out.push_back(first + step * i);
    next = first + step * count;
    return out;
  }
  void give_back(const std::string&, Clock::time_point) override {}
  int takes = 0;

 private:
  std::map<std::string, Clock::time_point> next_;
};

TEST(RateLimiterShared, TwoProcessesSharingOneBudgetStayUnderTheLimitTogether) {
  auto bucket = std::make_shared<SharedBucket>();
  RateLimiter a(0.97, bucket), b(0.97, bucket);
  auto t0 = Clock::time_point{} + 1h;
  constexpr int kEach = 100;
  // Both reserve everything at once, interleaved, then send at their slots in time order.
  std::vector<std::pair<Clock::time_point, RateLimiter*>> pending;
  for (int i = 0; i < kEach; ++i) {
    pending.push_back({a.reserve(kKey, 20, t0), &a});
    pending.push_back({b.reserve(kKey, 20, t0), &b});
  }
  std::vector<Clock::time_point> sent;
  while (!pending.empty()) {
    auto first = std::min_element(pending.begin(), pending.end(),
                                  [](const auto& x, const auto& y) { return x.first < y.first; });
    auto [at, limiter] = *first;
    pending.erase(first);
    auto next = limiter->admit(kKey, 20, at);
    if (next <= at) {
      sent.push_back(at);
    } else {
      pending.push_back({next, limiter});
    }
  }
  ASSERT_EQ(sent.size(), 2u * kEach);
  std::sort(sent.begin(), sent.end());
  // Alone, each would send 20 a second; together they still send 20 a second in sum...
  EXPECT_LE(max_in_one_second(sent), 20u);
  // ...and use the whole budget: 200 sends at 19.4/s take about 10.3 s, not twice that.
  EXPECT_LE(sent.back() - sent.front(), std::chrono::milliseconds(10400));
  // Slices of a quarter second (4 slots): the store is asked about once per 4 sends.
  EXPECT_LE(bucket->takes, 2 * kEach / 4 + 2);
}

TEST(RateLimiterShared, AStoreThatCannotBeAskedLeavesTheRunPacingItselfAlone) {
  class Broken : public SlotSource {
   public:
    base::Result<std::vector<Clock::time_point>> take(const std::string&, double, int,
                                                      Clock::time_point) override {
      return base::Error{"connection refused"};
    }
    void give_back(const std::string&, Clock::time_point) override {}
  };
  RateLimiter limiter(0.97, std::make_shared<Broken>());
  auto t0 = Clock::time_point{} + 1h;
  auto sent = send_all(limiter, 60, t0, [](int) { return Clock::duration::zero(); });
  EXPECT_LE(max_in_one_second(sent), 20u);
}

}  // namespace rate_limiter_test
}  // namespace tcplan::executor
