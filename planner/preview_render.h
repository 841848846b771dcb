// Renderings of a Preview: the stable JSON schema (`tcplan plan --format json`, documented in
// docs/plan-format.md), a terminal table, and Markdown for a change ticket; plus the saved
// plan file (`--out`) that `tcplan apply SAVED` checks against the plan file.
#pragma once

#include <boost/json/object.hpp>
#include <filesystem>
#include <string>

#include "base/result.h"
#include "planner/plan.h"
#include "planner/preview.h"

namespace tcplan::planner {

inline constexpr const char* kPreviewSchema = "tcplan.preview/1";
inline constexpr const char* kSavedPlanSchema = "tcplan.saved-plan/1";

// {"schema", "plan": {name, file, sha256}, "digest", "fetched_at", "target", "window_hours",
//  "steps": [... each with "items", "for_each", "duration", "warnings"], "total": {currency,
//  hourly, window, unknown_prices}, "predicted": {makespan_ms, time_scale, window}, "budget",
//  "problems", "pricing_failures", "duplicates", and "groups" when the plan has any}
// (docs/plan-format.md, docs/schemas/preview.schema.json).
// "digest" is the SHA-256 of the steps and prices (what an approval binds to).
boost::json::object preview_json(const Preview& preview, const Plan& plan);

std::string render_table(const Preview& preview);
std::string render_markdown(const Preview& preview);

// Writes the saved plan (preview JSON with the pinned for_each items, the plan's SHA-256 and
// path, when the prices were read, and whether it was made with --new-run) to `path` through
// a temporary file and a rename, so a reader never sees half a file.
base::VoidResult write_saved_plan(const std::filesystem::path& path, const Preview& preview,
                                  const Plan& plan, bool new_run = false);

}  // namespace tcplan::planner
