// RunDriver: one `tcplan apply`, from the first byte it writes to the trail to the seal. It
// finds the run to resume (or starts a new one with a fresh run id), takes the run's lease (one
// driver per run); before anything is read it refuses a repeat of a plan that already
// succeeded or of a used saved plan (reapply_guard.h), a stale saved plan, missing or invalid
// approvals (approvals.h), a closed window and a plan predicted not to fit in what is left of
// it; then it resolves for_each queries, takes the plan's cluster locks in one transaction
// (waiting with --wait-lock), runs the dry run (refusing a create that repeats a live cluster's
// name without --new-run), asks for the operator's approval, runs the plan, and records,
// releases and seals on every way out — a refusal, a failure, Ctrl-C in any phase. The
// command line (cli/apply_command.cc) only turns flags into an ApplyRequest and prints.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "api/client.h"
#include "audit/event_store.h"
#include "audit/seal.h"
#include "executor/interruption.h"
#include "executor/runner.h"
#include "executor/saved_plan.h"
#include "executor/status.h"
#include "executor/summary.h"
#include "planner/plan.h"
#include "planner/preview.h"

namespace tcplan::executor {

struct ApplyRequest {
  const planner::Plan* plan = nullptr;  // validated
  std::string plan_path;                // the plan file
  std::string input_path;               // what the operator named: the plan or a saved plan
  std::optional<SavedPlan> saved;       // when input_path is a saved plan
  bool resume = false;
  std::string resume_run;  // with resume: empty = the latest unfinished run of this plan
  std::optional<std::chrono::milliseconds> wait_lock;
  std::string target;    // "local: embedded emulator at ... (--target)", for run_started and
                         // the preview
  bool new_run = false;  // --new-run: repeat a plan that succeeded, on purpose
  // --approvals DIR: the signed approvals of the saved plan (empty: "<SAVED>.approvals" when
  // the plan's [approval] requires any).
  std::string approvals_dir;
  // Who signs (provider, role, session name; never a secret), for run_started.
  boost::json::object credentials;
  std::string secret_id;  // names the shared rate budget on a team store (rate_budget.h)
  // max_parallel, now, time_scale, progress and log; the driver adds the interruption.
  RunOptions run;
};

// The operator's answer to the preview.
struct Approval {
  bool approved = false;
  bool interrupted = false;  // Ctrl-C at the prompt
  std::string by;            // "--yes" | "prompt"
  std::string refusal;       // why not, when not approved
};
using ApproveFn = std::function<Approval(const planner::Preview& preview)>;

struct ApplyOutcome {
  ExitCode code = kExitFailed;
  std::string run_id;               // empty when no run was started
  std::optional<RunReport> report;  // when the plan ran
  SummaryCosts costs;
  std::string message;  // for stderr: why it was refused or failed, and any cleanup problem
};

class RunDriver {
 public:
  // `info` receives the lines an operator reads as they happen ("run: <id>", lock waits).
  RunDriver(audit::EventStore& store, const audit::SealKey& key, api::Client& client,
            Interruption& interruption, std::function<void(const std::string&)> info);

  ApplyOutcome apply(const ApplyRequest& request, const ApproveFn& approve);

 private:
  struct Run;
  ApplyOutcome drive(Run& run, const ApplyRequest& request, const ApproveFn& approve);
  base::Result<std::string> find_run(const ApplyRequest& request);
  ApplyOutcome finish(Run& run, RunStatus status, ApplyOutcome outcome);
  ApplyOutcome refuse(Run& run, const std::string& reason, const std::string& detail);
  bool take_locks(Run& run, const ApplyRequest& request, const planner::Fleets& fleets,
                  std::string& refusal);

  // Checks made before anything is read (run_checks.cc). Each returns the refusal (reason,
  // detail) or nullopt.
  struct Refusal {
    std::string reason, detail;
  };
  std::optional<Refusal> check_repeat(const Run& run, const ApplyRequest& request);
  std::optional<Refusal> check_saved_plan(const ApplyRequest& request);
  std::optional<Refusal> check_approvals(Run& run, const ApplyRequest& request);
  std::optional<Refusal> check_window_fit(const ApplyRequest& request,
                                          const planner::Fleets& fleets, base::SysTime now);
  // The clusters of every for_each query: pinned by the saved plan or the run's first dry
  // run, else chosen now through the journalled reader.
  base::Result<planner::Fleets> choose_fleets(Run& run, const ApplyRequest& request);
  // The run's rate limiter, made on first use: one for the dry run's reads and the run's
  // calls, so together they stay under each limit; shared with every process on a team store.
  std::shared_ptr<RateLimiter> limiter(const ApplyRequest& request);

  audit::EventStore& store_;
  const audit::SealKey& key_;
  api::Client& client_;
  Interruption& interruption_;
  std::function<void(const std::string&)> info_;
  std::shared_ptr<RateLimiter> limiter_;
};

}  // namespace tcplan::executor
