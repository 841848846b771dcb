// The re-apply guard (reapply_guard.h).
#include "executor/reapply_guard.h"

#include "base/time.h"

namespace tcplan::executor {

std::optional<EarlierRun> find_earlier_run(const std::vector<audit::RunState>& runs,
                                           const std::string& plan_sha256,
                                           const std::string& saved_plan_sha256) {
  std::optional<EarlierRun> by_plan;
  for (auto r = runs.rbegin(); r != runs.rend(); ++r) {
    if (r->status == "refused") continue;
    const std::int64_t when = r->finished_ms ? r->finished_ms : r->started_ms;
    if (!saved_plan_sha256.empty() && r->saved_plan_sha256 == saved_plan_sha256 && r->approved) {
      return EarlierRun{r->run_id, when, r->status, true};
    }
    if (!by_plan && !plan_sha256.empty() && r->plan_sha256 == plan_sha256 &&
        r->status == "succeeded") {
      by_plan = EarlierRun{r->run_id, when, r->status, false};
    }
  }
  return by_plan;
}

std::string describe_earlier_run(const EarlierRun& e, const std::string& what) {
  const std::string when = base::format_utc_ms(e.finished_ms);
  if (e.saved_plan) {
    return "saved plan " + what + " was already applied by run " + e.run_id + " (" + e.status +
           ", " + when + "): a saved plan is used once; resume that run with --resume " + e.run_id +
           ", or make a new saved plan (tcplan plan --out), or pass --new-run";
  }
  return "plan " + what + " already succeeded in run " + e.run_id + " (finished " + when +
         "); applying it again starts a new run with new ClientTokens (a create makes another "
         "cluster): pass --new-run to do that on purpose";
}

}  // namespace tcplan::executor
