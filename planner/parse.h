// Reading a plan file into the Plan model: input checks (size, UTF-8, empty), TOML syntax via
// toml++, then every key of every table checked and typed. Problems are reported to a
// Diagnostics with their line:column; semantic checks are in validate.h.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include "planner/diagnostics.h"
#include "planner/plan.h"

namespace tcplan::planner {

// Plans are hand-written runbooks; anything bigger is a mistake (or an attack), and is
// refused before the TOML parser sees it.
inline constexpr std::size_t kMaxPlanBytes = 8u << 20;
// Deepest nesting of tables/arrays accepted inside params (toml++ itself stops at 256).
inline constexpr int kMaxParamDepth = 32;

// Parses `text` (the bytes of `file`). Returns nullopt when the text is not a TOML document
// at all; otherwise a Plan, which may still have errors reported in `diags`.
std::optional<Plan> parse_plan(const std::string& file, std::string text, Diagnostics& diags);

// Reads `path` and parses it; a file that cannot be read is an error at "file: ...".
std::optional<Plan> load_plan(const std::filesystem::path& path, Diagnostics& diags);

}  // namespace tcplan::planner
