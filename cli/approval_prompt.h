// The approval of `tcplan apply`: --yes, or the operator typing "yes" at a terminal after the
// preview table. No terminal and no --yes is a refusal. Ctrl-C at the prompt ends the wait at
// once (the run is then recorded as interrupted).
#pragma once

#include "executor/interruption.h"
#include "executor/run_driver.h"
#include "planner/preview.h"

namespace tcplan::cli {

executor::Approval ask_approval(const planner::Preview& preview, bool yes,
                                executor::Interruption& interruption);

}  // namespace tcplan::cli
