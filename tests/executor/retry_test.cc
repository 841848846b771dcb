// Backoff bounds, jitter spread, the run-wide retry budget, client-side rate limits,
// ClientToken derivation and the change-window check: pure functions, no clock of their own.
#include "executor/retry.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "executor/client_token.h"
#include "executor/rate_limiter.h"
#include "executor/window.h"

namespace tcplan::executor {
namespace retry_test {

using namespace std::chrono_literals;

TEST(Backoff, StaysWithinTheExponentialCeilingAndTheCap) {
  RetryPolicy p{6, Millis{1000}, Millis{30000}};
  std::mt19937_64 rng(42);
  for (int attempt = 1; attempt <= 40; ++attempt) {
    long long ceiling = std::min<long long>(30000, 1000LL << std::min(attempt - 1, 20));
    for (int i = 0; i < 200; ++i) {
      auto d = backoff_delay(p, attempt, rng);
      ASSERT_GE(d.count(), 0);
      ASSERT_LE(d.count(), ceiling) << "attempt " << attempt;
    }
  }
}

TEST(Backoff, FullJitterSpreadsDelaysAcrossTheRange) {
  RetryPolicy p{6, Millis{1000}, Millis{30000}};
  std::mt19937_64 rng(7);
  int low = 0, high = 0;
  for (int i = 0; i < 1000; ++i) {
    auto d = backoff_delay(p, 4, rng);  // ceiling 8000 ms
    if (d < 2000ms) ++low;
    if (d > 6000ms) ++high;
  }
  // Uniform over [0, 8000]: about a quarter below 2 s and a quarter above 6 s.
  EXPECT_GT(low, 150);
  EXPECT_GT(high, 150);
}

TEST(Backoff, NoDelayBeforeTheFirstAttempt) {
  std::mt19937_64 rng(1);
  EXPECT_EQ(backoff_delay(RetryPolicy{}, 0, rng), Millis{0});
}

TEST(RetryBudget, EmptiesThenRefillsAtItsRate) {
  auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  RetryBudget budget(3, 2.0);  // 3 tokens, 2 per second
  EXPECT_EQ(budget.acquire(t0), Millis{0});
  EXPECT_EQ(budget.acquire(t0), Millis{0});
  EXPECT_EQ(budget.acquire(t0), Millis{0});
  EXPECT_EQ(budget.acquire(t0), Millis{500});  // next token in half a second
  EXPECT_EQ(budget.acquire(t0 + 500ms), Millis{0});
  EXPECT_GT(budget.acquire(t0 + 500ms).count(), 0);
  // Never more than the capacity, however long it rests.
  auto later = t0 + 1h;
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(budget.acquire(later), Millis{0});
  EXPECT_GT(budget.acquire(later).count(), 0);
}

TEST(RateLimiter, SpacesSendsJustUnderTheDocumentedRate) {
  RateLimiter limiter(0.97);
  auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  auto key = RateLimiter::key("emr", "DescribeInstances", "ap-guangzhou");
  std::vector<std::chrono::steady_clock::time_point> slots;
  for (int i = 0; i < 100; ++i)
    slots.push_back(limiter.reserve(key, 20, t0));
  EXPECT_EQ(slots.front(), t0);
  // In any one-second window at most 20 sends, and 100 sends take just over 5 s.
  for (std::size_t i = 0; i + 20 < slots.size(); ++i) {
    EXPECT_GE(slots[i + 20] - slots[i], 1s);
  }
  auto span = std::chrono::duration<double>(slots.back() - slots.front()).count();
  EXPECT_NEAR(99 / span, 20 * 0.97, 0.01);
}

TEST(RateLimiter, KeysAreIndependentAndIdleTimeIsNotBanked) {
  RateLimiter limiter;
  auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  auto a = RateLimiter::key("emr", "ScaleOutInstance", "ap-guangzhou");
  auto b = RateLimiter::key("emr", "ScaleOutInstance", "ap-shanghai");
  EXPECT_EQ(limiter.reserve(a, 20, t0), t0);
  EXPECT_EQ(limiter.reserve(b, 20, t0), t0);
  EXPECT_GT(limiter.reserve(a, 20, t0), t0);
  // After a long pause the next send goes at once, but not as a burst.
  auto later = t0 + 10min;
  EXPECT_EQ(limiter.reserve(a, 20, later), later);
  EXPECT_GT(limiter.reserve(a, 20, later), later);
}

TEST(ClientToken, StablePerRunStepAndItemAndUuidShaped) {
  auto t = derive_client_token("run-1", "grow", 0);
  EXPECT_EQ(t, derive_client_token("run-1", "grow", 0));
  EXPECT_TRUE(std::regex_match(
      t, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")));
  std::set<std::string> distinct{t, derive_client_token("run-2", "grow", 0),
                                 derive_client_token("run-1", "grow2", 0),
                                 derive_client_token("run-1", "grow", 1)};
  EXPECT_EQ(distinct.size(), 4u);
}

TEST(ChangeWindow, RefusesOutsideAndWhenTheTimeoutWouldOverrun) {
  auto start = *base::parse_rfc3339("2026-11-24T01:00:00+08:00");
  auto end = *base::parse_rfc3339("2026-11-24T05:00:00+08:00");
  std::optional<ChangeWindow> w = ChangeWindow{start, end};
  EXPECT_EQ(check_window(w, start - 1s, 30min), WindowVerdict::kNotYetOpen);
  EXPECT_EQ(check_window(w, start, 30min), WindowVerdict::kOpen);
  EXPECT_EQ(check_window(w, end - 30min, 30min), WindowVerdict::kOpen);
  EXPECT_EQ(check_window(w, end - 29min, 30min), WindowVerdict::kWouldOverrun);
  EXPECT_EQ(check_window(w, end, 1s), WindowVerdict::kClosed);
  EXPECT_EQ(check_window(std::nullopt, end, 100h), WindowVerdict::kOpen);
  EXPECT_EQ(describe(WindowVerdict::kNotYetOpen, *w, start - 3h - 12min, 0ms),
            "the change window opens at 2026-11-23T17:00:00Z (in 3h12m)");
}

TEST(ChangeWindow, ParsesZonesAndRejectsAmbiguousTimes) {
  EXPECT_EQ(base::format_utc(*base::parse_rfc3339("2026-11-24T01:00:00+08:00")),
            "2026-11-23T17:00:00Z");
  EXPECT_EQ(base::format_utc(*base::parse_rfc3339("2026-11-24T01:00:00Z")), "2026-11-24T01:00:00Z");
  EXPECT_EQ(base::format_utc(*base::parse_rfc3339("2026-11-24T01:00:00.250-05:30")),
            "2026-11-24T06:30:00Z");
  EXPECT_FALSE(base::parse_rfc3339("2026-11-24T01:00:00"));
  EXPECT_FALSE(base::parse_rfc3339("tomorrow"));
  EXPECT_FALSE(base::parse_rfc3339("2026-13-24T01:00:00Z"));
}

}  // namespace retry_test
}  // namespace tcplan::executor
