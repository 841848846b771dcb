// The rate budget that applies sharing a team store share: a bucket per (SecretId digest,
// region, action) in the store's rate_buckets table, on the server's clock. Each booking takes
// a slice of consecutive send slots after every slot booked before (GCRA's "theoretical
// arrival time": the bucket holds when the next free slot is), so two fleet runs started
// together send, in sum, at the documented rate and are never throttled. A SQLite trail has
// none: its runs pace themselves (rate_limiter.h).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "audit/event_store.h"
#include "executor/rate_limiter.h"

namespace tcplan::executor {

class StoreSlotSource : public SlotSource {
 public:
  // `warn` hears, once, that the store could not be asked (the run then paces itself alone).
  StoreSlotSource(audit::EventStore& store, const std::string& secret_id,
                  std::function<void(const std::string&)> warn);
  base::Result<std::vector<Clock::time_point>> take(const std::string& key, double per_second,
                                                    int count, Clock::time_point now) override;
  void give_back(const std::string& key, Clock::time_point first_unused) override;

  // The bucket's name in the store: "<first 16 hex of SHA-256(SecretId)>/<service/action/region>".
  static std::string bucket(const std::string& secret_id, const std::string& key);

 private:
  struct Booking {
    std::int64_t end_us = 0;     // the bucket's next free slot right after this booking
    std::int64_t offset_us = 0;  // local steady µs minus store µs
  };
  audit::EventStore& store_;
  std::string secret_id_;
  std::function<void(const std::string&)> warn_;
  bool warned_ = false;
  std::mutex mu_;
  std::map<std::string, Booking> last_;
};

// The budget for a run on `store`: shared when the store is (PostgreSQL), else nullptr.
std::shared_ptr<SlotSource> shared_rate_budget(audit::EventStore& store,
                                               const std::string& secret_id,
                                               std::function<void(const std::string&)> warn);

}  // namespace tcplan::executor
