// Predicted vs actual cost of a run, for the report: each step's price as the preview quoted
// it (the preview_digest event), and after the run how long the step took and how long what
// it added actually existed, priced at the quoted hourly rate. Pure: computed from the run's
// projection and its events, no I/O.
//
// "Existed" runs from the answer to the step's successful call (or its finish) until the
// step that removes it finished (the preview's window.removed_by: a scale-in of the nodes a
// scale-out added, a terminate of a created cluster), or until the run ended when nothing
// removed it (still billed). Rehearsals against the emulator run time_scale times faster
// (run_started's "time_scale"): their durations are scaled back to cloud time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "audit/event.h"
#include "audit/projection.h"

namespace tcplan::audit {

struct StepCost {
  std::string step_id;
  bool billable = false;
  // Predicted (from the preview).
  std::optional<double> quoted_discounted, quoted_original;
  std::string unit, currency;       // "hour" / "month", "CNY"
  std::optional<double> hourly;     // discounted, per hour
  std::optional<double> predicted;  // discounted cost the preview expected (its window)
  std::optional<double> predicted_hours;
  std::string removed_by;  // the step the preview expected to remove it
  std::string price_note;  // why a billable step has no price
  // Actual (from the trail).
  std::string status = "did not run";
  std::optional<double> duration_s;            // step start to finish, cloud time
  std::optional<double> predicted_duration_s;  // what the dry run predicted, cloud time
  std::optional<double> existed_hours;         // how long what it added existed, cloud time
  bool still_exists = false;                   // not removed by the end of the run
  std::optional<double> actual;                // hourly x existed_hours
};

struct CostSummary {
  std::vector<StepCost> steps;
  double time_scale = 1;
  std::string currency;
  std::optional<double> predicted_total;  // unknown when a billable step's price is
  std::optional<double> actual_total;
  bool has_preview = false;
};

CostSummary compute_costs(const RunState& run, const std::vector<Event>& events);

}  // namespace tcplan::audit
