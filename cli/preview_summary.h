// What `tcplan plan` says under its preview, Terraform-style: how many changes of each kind
// ("Plan: 2 to create, 1 to scale out, 1 to terminate"), destruction emphasised on a terminal,
// and the budget verdict ("Budget: 4.37 of 800 CNY, within budget"). Pure functions of the
// preview, so that the table and the markdown say the same.
#pragma once

#include <string>

#include "planner/plan.h"
#include "planner/preview.h"

namespace tcplan::cli {

// "Plan: 2 to create, 1 to scale out, 1 to terminate; 3 waits." (`colour`: terminate in red).
std::string change_counts(const planner::Preview& preview, bool colour = false);

// "Budget: 4.37 of 800 CNY (max_total), within budget." / "... OVER BUDGET: ..." / "... not
// checked (pricing failed)."; empty when the plan sets no budget.
std::string budget_verdict(const planner::Preview& preview, const planner::Plan& plan);

}  // namespace tcplan::cli
