// The dry run's reads (planner::preview_plan asks through this): each goes through the journal
// like every other call, under the pseudo-step planner::kPreviewStepId, so the trail shows what
// the approval was based on. A read changes nothing, so a throttled or transient failure is
// retried with the executor's backoff (full jitter, capped, recorded as retry_scheduled, scaled
// like the runner's); Ctrl-C ends a backoff at once and no read starts after it. Reads are
// paced by the run's rate limiter: a fleet's dry run prices and reads every cluster, and
// unpaced it would be throttled.
#pragma once

#include <boost/json/object.hpp>
#include <random>
#include <string>

#include "api/client.h"
#include "executor/interruption.h"
#include "executor/journal.h"
#include "executor/rate_limiter.h"
#include "executor/retry.h"
#include "planner/preview.h"

namespace tcplan::executor {

class PreviewReader : public planner::CloudReader {
 public:
  PreviewReader(const api::Client& client, Journal& journal, Interruption& interruption,
                RateLimiter& limiter, double time_scale,
                RetryPolicy policy = {6, Millis{1000}, Millis{30000}});

  base::Result<boost::json::object, api::ApiError> call(const std::string& service,
                                                        const std::string& action,
                                                        const std::string& version,
                                                        const std::string& region,
                                                        const boost::json::object& params) override;

 private:
  // Waits for `request`'s send slot; false when interrupted first.
  bool wait_for_slot(const api::CallRequest& request);

  const api::Client& client_;
  Journal& journal_;
  Interruption& interruption_;
  RateLimiter& limiter_;
  double time_scale_;
  RetryPolicy policy_;
  std::mt19937_64 rng_;
};

}  // namespace tcplan::executor
