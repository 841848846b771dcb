// apply's PLAN argument: a plan file, or a saved plan (`tcplan plan --out`) that names its plan
// file. Either way the plan is read and checked offline here, before anything is sent, and
// every diagnostic is printed.
#pragma once

#include <optional>
#include <string>

#include "executor/run_driver.h"
#include "planner/plan.h"

namespace tcplan::cli {

// Fills req.input_path, req.plan_path and req.saved. The checked plan, or nullopt with
// `exit_code` set: kExitUsage for an unreadable file or a bad saved plan, kExitFailed for an
// invalid plan.
std::optional<planner::Plan> load_apply_input(const std::string& path, executor::ApplyRequest& req,
                                              int& exit_code);

}  // namespace tcplan::cli
