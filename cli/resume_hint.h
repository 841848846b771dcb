// The command an operator pastes to resume a run: `tcplan apply PLAN --resume RUN` with the
// global options the run was started with (its --audit-db above all: without it the paste
// would look for the run in the default trail). Printed by `apply` when interrupted and by
// `status` for an unfinished run.
#pragma once

#include <string>

#include "cli/command.h"

namespace tcplan::cli {

// Words are shell-quoted when needed; the trail's path is made absolute so that the command
// works from any directory.
std::string resume_command(const std::string& plan, const std::string& run_id,
                           const GlobalOptions& global, const std::string& audit_key = {});

// A resume continues a recorded run: it never creates a trail (nor a key or emulator state).
// Prints the error and returns true when there is no trail at `db`.
bool report_no_trail_to_resume(const std::string& db);

}  // namespace tcplan::cli
