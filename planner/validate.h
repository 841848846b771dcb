// Offline validation of a parsed Plan: ids, the `after` graph, references, per-kind rules,
// guardrails, the change window, and the API parameters of every step against the action
// catalog. Nothing here touches the network; all problems of a plan are reported at once.
#pragma once

#include <functional>
#include <string_view>

#include "api/catalog.h"
#include "planner/diagnostics.h"
#include "planner/plan.h"

namespace tcplan::planner {

struct ValidateOptions {
  // The catalog to check actions and parameters against; nullptr = api::Catalog::builtin().
  const api::Catalog* catalog = nullptr;
  // Whether an environment variable is set (${env.NAME} must be at validation time);
  // empty = the process environment.
  std::function<bool(std::string_view)> env_defined;
};

// Reports every problem of `plan` to `diags`. The plan is valid when diags has no errors.
void validate_plan(const Plan& plan, Diagnostics& diags, const ValidateOptions& options = {});

// Parses and validates the file at `path`: the one call `tcplan validate` makes per file.
// Returns the plan when it parsed (even with errors); diags says whether it is valid.
std::optional<Plan> check_plan_file(const std::string& path, Diagnostics& diags,
                                    const ValidateOptions& options = {});

// Whether a kind's action fills ClientToken itself (so a hand-written one is an error).
bool kind_fills_client_token(StepKind kind);

// The action a step kind may use (its default and the documented alternatives).
bool kind_allows_action(StepKind kind, std::string_view service, std::string_view action);

}  // namespace tcplan::planner
