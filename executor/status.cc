#include "executor/status.h"

namespace tcplan::executor {

std::string_view to_string(ItemState state) {
  switch (state) {
    case ItemState::kPending:
      return "pending";
    case ItemState::kRunning:
      return "running";
    case ItemState::kSucceeded:
      return "succeeded";
    case ItemState::kFailed:
      return "failed";
    case ItemState::kSkipped:
      return "skipped";
    case ItemState::kInterrupted:
      return "interrupted";
    case ItemState::kRefused:
      return "refused";
  }
  return "pending";
}

std::string_view to_string(RunStatus status) {
  switch (status) {
    case RunStatus::kSucceeded:
      return "succeeded";
    case RunStatus::kFailed:
      return "failed";
    case RunStatus::kInterrupted:
      return "interrupted";
    case RunStatus::kRefused:
      return "refused";
  }
  return "failed";
}

std::optional<RunStatus> run_status_from(std::string_view name) {
  for (RunStatus s :
       {RunStatus::kSucceeded, RunStatus::kFailed, RunStatus::kInterrupted, RunStatus::kRefused}) {
    if (to_string(s) == name) return s;
  }
  return std::nullopt;
}

ExitCode exit_code(RunStatus status) {
  switch (status) {
    case RunStatus::kSucceeded:
      return kExitOk;
    case RunStatus::kRefused:
      return kExitRefused;
    case RunStatus::kInterrupted:
      return kExitInterrupted;
    case RunStatus::kFailed:
      break;
  }
  return kExitFailed;
}

}  // namespace tcplan::executor
