// Rate limits: the token bucket itself on a fake clock, then the documented per-action limits
// over loopback (EMR 20/s, CVM TerminateInstances 10/s), per SecretId and region.
#include <gtest/gtest.h>

#include <thread>

#include "emulator/rate_limiter.h"
#include "tests/emulator/front_harness.h"

namespace tcplan::emulator::testing {
namespace front_rate_limit_test {

TEST(RateLimiter, AllowsABurstOfOneSecondThenRefillsAtTheRate) {
  std::int64_t now = 0;
  RateLimiter limiter([&] { return now; });
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(limiter.allow("k", 20)) << i;
  EXPECT_FALSE(limiter.allow("k", 20));
  now += 49'000'000;  // 49 ms: not yet a whole token
  EXPECT_FALSE(limiter.allow("k", 20));
  now += 1'000'000;  // 50 ms: one token
  EXPECT_TRUE(limiter.allow("k", 20));
  EXPECT_FALSE(limiter.allow("k", 20));
  now += 10'000'000'000;  // a long pause refills to the burst size, not beyond
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(limiter.allow("k", 20));
  EXPECT_FALSE(limiter.allow("k", 20));
}

TEST(RateLimiter, KeysAreIndependent) {
  RateLimiter limiter([] { return std::int64_t{0}; });
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(limiter.allow("a", 10));
  EXPECT_FALSE(limiter.allow("a", 10));
  EXPECT_TRUE(limiter.allow("b", 10));
}

TEST(RateLimiter, ExactUnderConcurrency) {
  RateLimiter limiter([] { return std::int64_t{5}; });
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        if (limiter.allow("k", 20)) ++allowed;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(allowed.load(), 20);
}

TEST(FrontRateLimit, EmrAllowsTwentyPerSecondPerSecretIdAndRegion) {
  FrontOptions options;
  options.keys.add(KeyPair{kLocalSecretId, kLocalSecretKey, ""});
  options.keys.add(KeyPair{"AKIDsecond", "second-key", ""});
  Emulator emu(std::move(options));
  for (int i = 0; i < 20; ++i)
    ASSERT_EQ(emu.call(Call{}).code(), "") << i;
  Reply r = emu.call(Call{});
  EXPECT_EQ(r.code(), "RequestLimitExceeded");
  EXPECT_EQ(emu.cloud.call_count(), 20u);

  Call other_region;
  other_region.region = "ap-shanghai";
  EXPECT_EQ(emu.call(other_region).code(), "");
  Call other_key;
  other_key.secret_id = "AKIDsecond";
  other_key.secret_key = "second-key";
  EXPECT_EQ(emu.call(other_key).code(), "");
  Call other_action;
  other_action.action = "DescribeClusterNodes";
  other_action.body = R"({"InstanceId":"emr-1","NodeFlag":"all"})";
  EXPECT_EQ(emu.call(other_action).code(), "") << emu.call(other_action).body;

  emu.steady_ns += 50'000'000;  // 50 ms later: one more
  EXPECT_EQ(emu.call(Call{}).code(), "");
  EXPECT_EQ(emu.call(Call{}).code(), "RequestLimitExceeded");
}

TEST(FrontRateLimit, CvmTerminateInstancesAllowsTen) {
  Emulator emu;
  Call c;
  c.action = "TerminateInstances";
  c.version = "2017-03-12";
  c.body = R"({"InstanceIds":["ins-1"]})";
  for (int i = 0; i < 10; ++i)
    ASSERT_EQ(emu.call(c).code(), "") << i;
  EXPECT_EQ(emu.call(c).code(), "RequestLimitExceeded");
}

TEST(FrontRateLimit, CanBeTurnedOff) {
  FrontOptions options;
  options.rate_limits = false;
  Emulator emu(std::move(options));
  for (int i = 0; i < 60; ++i)
    ASSERT_EQ(emu.call(Call{}).code(), "") << i;
}

}  // namespace front_rate_limit_test
}  // namespace tcplan::emulator::testing
