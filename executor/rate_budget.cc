#include "executor/rate_budget.h"

#include <cmath>

#include "api/hash.h"

namespace tcplan::executor {
namespace {

std::int64_t steady_us(SlotSource::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

}  // namespace

StoreSlotSource::StoreSlotSource(audit::EventStore& store, const std::string& secret_id,
                                 std::function<void(const std::string&)> warn)
    : store_(store), secret_id_(secret_id), warn_(std::move(warn)) {}

std::string StoreSlotSource::bucket(const std::string& secret_id, const std::string& key) {
  // The SecretId is not secret, but the store needs only to tell accounts apart.
  return api::sha256_hex(secret_id).substr(0, 16) + "/" + key;
}

base::Result<std::vector<SlotSource::Clock::time_point>> StoreSlotSource::take(
    const std::string& key, double per_second, int count, Clock::time_point) {
  const auto interval_us = static_cast<std::int64_t>(std::ceil(1e6 / per_second));
  const std::string name = bucket(secret_id_, key);
  auto grant = store_.take_rate_slots(name, interval_us, count);
  // The store's clock maps onto ours as of the answer: a slot then looks a round trip later
  // than it is, never earlier.
  const std::int64_t local_now = steady_us(Clock::now());
  std::lock_guard<std::mutex> lock(mu_);
  if (!grant) {
    if (!warned_ && warn_) {
      warn_("warning: the shared rate budget in " + store_.describe() + " cannot be used (" +
            grant.error().message + "); this run paces itself alone");
    }
    warned_ = true;
    return grant.error();
  }
  const std::int64_t offset = local_now - grant->now_us;
  last_[name] = Booking{grant->first_us + grant->interval_us * grant->count, offset};
  std::vector<Clock::time_point> slots;
  for (int i = 0; i < grant->count; ++i) {
    slots.push_back(Clock::time_point(
        std::chrono::microseconds(grant->first_us + grant->interval_us * i + offset)));
  }
  return slots;
}

void StoreSlotSource::give_back(const std::string& key, Clock::time_point first_unused) {
  const std::string name = bucket(secret_id_, key);
  Booking b;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = last_.find(name);
    if (it == last_.end()) return;
    b = it->second;
  }
  // Best effort: if someone booked after us, the slots simply go unused.
  (void)store_.return_rate_slots(name, steady_us(first_unused) - b.offset_us, b.end_us);
}

std::shared_ptr<SlotSource> shared_rate_budget(audit::EventStore& store,
                                               const std::string& secret_id,
                                               std::function<void(const std::string&)> warn) {
  if (!store.shared()) return nullptr;
  return std::make_shared<StoreSlotSource>(store, secret_id, std::move(warn));
}

}  // namespace tcplan::executor
