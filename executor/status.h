// The states a step item and a run are in, and the exit codes they map to. One enum each, used
// by the schedule, the runner, the summary and the run driver; the names (to_string) are what
// step_finished / run_finished payloads and `--output json` carry.
#pragma once

#include <optional>
#include <string_view>

namespace tcplan::executor {

// A step item. The schedule uses the first five; the runner's reports use all of them.
enum class ItemState {
  kPending,  // not started (or started, not yet ended)
  kRunning,  // started by the schedule
  kSucceeded,
  kFailed,
  kSkipped,      // a dependency failed, or the run stopped after a failure
  kInterrupted,  // Ctrl-C / SIGTERM stopped it: unfinished in the trail, resume runs it
  kRefused,      // the change window kept it from starting
};

// A run, as run_finished records it.
enum class RunStatus { kSucceeded, kFailed, kInterrupted, kRefused };

std::string_view to_string(ItemState state);
std::string_view to_string(RunStatus status);
std::optional<RunStatus> run_status_from(std::string_view name);

// Stable, documented exit codes (README "Exit codes"), shared by every command.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,   // plan invalid, API error, run failed
  kExitUsage = 2,    // bad flags, unreadable input files
  kExitRefused = 3,  // outside change window, over budget, stale saved plan, lock or run held
  kExitInterrupted = 130,
};

ExitCode exit_code(RunStatus status);

}  // namespace tcplan::executor
