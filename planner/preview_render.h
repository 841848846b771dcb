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

// {"schema", "plan": {name, file, sha256}, "digest", "fetched_at", "window_hours", "steps": [...],
//  "total": {currency, hourly, window, unknown_prices}, "budget": {...}, "problems": [...]}.
// "digest" is the SHA-256 of the steps and prices (what an approval binds to).
boost::json::object preview_json(const Preview& preview, const Plan& plan);

std::string render_table(const Preview& preview);
std::string render_markdown(const Preview& preview);

// Writes the saved plan (preview JSON + the plan's SHA-256 and path) to `path` through a
// temporary file and a rename, so a reader never sees half a file.
base::VoidResult write_saved_plan(const std::filesystem::path& path, const Preview& preview,
                                  const Plan& plan);

}  // namespace tcplan::planner
