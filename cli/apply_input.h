// What `tcplan apply` reads before it talks to anyone: the plan or saved plan it is given, the
// plan file a saved plan names (validated offline), and the flags that are times and
// durations. Every problem is printed where it is found; nothing is sent.
#pragma once

#include <optional>
#include <string>

#include "executor/run_driver.h"
#include "planner/plan.h"

namespace tcplan::cli {

struct ApplyInput {
  std::string path;       // PLAN or SAVED
  std::string now;        // --now
  std::string wait_lock;  // --wait-lock
};

struct LoadedApply {
  std::optional<planner::Plan> plan;
  executor::ApplyRequest request;  // request.plan points into `plan`
};

// kExitOk, or the exit code to return after the message it printed.
int load_apply_input(const ApplyInput& in, LoadedApply& out);

}  // namespace tcplan::cli
