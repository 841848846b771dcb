// The cloud's per-action request limits (EMR 20/s, CVM TerminateInstances 10/s, ...): one
// token bucket per (action, SecretId, region), refilled in real time. Over the limit, the
// front answers RequestLimitExceeded.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

namespace tcplan::emulator {

class RateLimiter {
 public:
  // A monotonic clock in nanoseconds; tests pass a fake one so they never sleep.
  using Clock = std::function<std::int64_t()>;
  explicit RateLimiter(Clock now_ns);

  // Takes one token from `key`'s bucket, which holds at most `per_second` tokens and gains
  // `per_second` a second. False (and nothing taken) when the bucket is empty. Thread-safe.
  bool allow(const std::string& key, int per_second);

 private:
  struct Bucket {
    double tokens = 0;
    std::int64_t last_ns = 0;
  };
  Clock now_ns_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

std::int64_t steady_now_ns();

}  // namespace tcplan::emulator
