// `tcplan apply SAVED`: a saved plan (`tcplan plan --out`) binds an approval to one plan file,
// one set of for_each items (a query's clusters are pinned) and one set of prices. Before
// applying it, the plan is previewed again and compared: a changed plan file, a changed
// resolved parameter, an item added or gone, or a price that moved by more than the tolerance
// refuses the apply, naming the step, the parameter and old -> new. A saved plan is used once
// and goes stale after its max age; approvals (approvals.h) sign its two digests.
#pragma once

#include <boost/json/object.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/time.h"
#include "planner/fleet_query.h"

namespace tcplan::executor {

struct SavedPlan {
  std::string plan_file;
  std::string plan_sha256;
  std::string fetched_at;
  bool new_run = false;         // made with `tcplan plan --new-run`: a repeat on purpose
  boost::json::object preview;  // the preview JSON as saved (schema tcplan.preview/1)
  planner::Fleets fleets;       // the clusters each for_each query chose, by step id
  std::string file_sha256;      // of the saved file's bytes: what "used once" counts
};

// What an approval binds to, each the SHA-256 of canonical JSON taken from the saved file:
// `plan` covers the plan file's SHA-256, every step's action and resolved params, every
// for_each item and new_run; `prices` every step's and item's price and the totals. Editing
// the saved plan, or saving the plan again after a change, changes one of them.
struct SavedPlanDigests {
  std::string plan;
  std::string prices;
};
SavedPlanDigests saved_plan_digests(const SavedPlan& saved);

// Why a saved plan is too old to apply (its prices were read longer than `max_age` before
// `now`), or nullopt. An unreadable fetched_at counts as too old.
std::optional<std::string> saved_plan_too_old(const SavedPlan& saved, base::Millis max_age,
                                              base::SysTime now);

// Whether `text` is a saved plan (a JSON object naming tcplan.saved-plan/); when it is not,
// the caller treats the file as a plan.
bool looks_like_saved_plan(const std::string& text);
base::Result<SavedPlan> parse_saved_plan(const std::string& text);

// Every difference between the saved preview and a fresh one: parameters by step (and item)
// and JSON path, steps or items added or removed, prices that moved by more than `tolerance`
// (0.05 = 5%).
std::vector<std::string> compare_previews(const boost::json::object& saved,
                                          const boost::json::object& fresh, double tolerance);

}  // namespace tcplan::executor
