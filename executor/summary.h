// The end of a run as people and machines read it: a table (step, result, duration actual and
// predicted, attempts, cost), the `--explain` lines saying why each step ran, was skipped,
// re-sent or reconciled, and the same as JSON for `--output json`.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "executor/runner.h"

namespace tcplan::executor {

// What the dry run predicted, for the closing table: costs and durations.
struct SummaryCosts {
  // Predicted window cost per step id, from the preview (absent: not billable or unknown).
  std::map<std::string, double> window_cost;
  // Predicted price per hour per step id: shown when the plan has no window to cost it over.
  std::map<std::string, double> hourly;
  std::string currency = "CNY";
  // Predicted duration per step id (cloud time), and the target's time scale, by which the
  // wall-clock duration of a rehearsal is multiplied to compare with it.
  std::map<std::string, std::chrono::milliseconds> predicted;
  double time_scale = 1.0;
};

std::string render_summary(const RunReport& report, const SummaryCosts& costs);
std::string render_explain(const RunReport& report);
boost::json::object summary_json(const std::string& run_id, const RunReport& report,
                                 const SummaryCosts& costs);

// Exit code for a finished run: 0 succeeded, 1 failed, 3 refused, 130 interrupted.
ExitCode exit_code(const RunReport& report);

}  // namespace tcplan::executor
