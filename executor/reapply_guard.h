// The re-apply guard: a plan that already succeeded does not run again silently, and a saved
// plan is used once. A new run is a new ClientToken by design, so a second apply of a create
// would make a second cluster; the operator is told which run did it first and when, and
// repeats only on purpose (--new-run). Pure over the runs projected from the trail.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "audit/projection.h"

namespace tcplan::executor {

struct EarlierRun {
  std::string run_id;
  std::int64_t finished_ms = 0;  // when it finished (or started, for a saved plan still in use)
  std::string status;
  bool saved_plan = false;  // it used the same saved plan (else: the same plan file)
};

// The earlier run that makes this apply a repeat, or nullopt: the latest run that applied the
// same saved plan and got past its approval (whatever its end: a failed one is resumed, not
// re-applied), else the latest run of the same plan file (SHA-256) that succeeded. Refused
// runs never count.
std::optional<EarlierRun> find_earlier_run(const std::vector<audit::RunState>& runs,
                                           const std::string& plan_sha256,
                                           const std::string& saved_plan_sha256);

// "plan plans/x.toml already succeeded in run R (finished 2026-...Z); pass --new-run to run it
// again on purpose" and the like, for refusals and `tcplan plan`.
std::string describe_earlier_run(const EarlierRun& earlier, const std::string& what);

}  // namespace tcplan::executor
