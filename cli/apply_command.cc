// `tcplan apply PLAN|SAVED [--yes] [--resume [RUN]] [--now TIME] [--max-parallel N]
// [--explain] [--wait-lock DURATION] [--new-run] [--approvals DIR] [--audit-key FILE]`: what
// operators run in a change window. This file is the flags and the printing; apply_input.cc
// reads the input, executor::RunDriver does the run (find or start it, lease, the refusals,
// locks, dry run, approval, steps, seal).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "audit/event_store.h"
#include "audit/seal.h"
#include "audit/witness.h"
#include "cli/apply_input.h"
#include "cli/approval_prompt.h"
#include "cli/command.h"
#include "cli/option_checks.h"
#include "cli/output_json.h"
#include "cli/resume_hint.h"
#include "cli/target.h"
#include "executor/interruption.h"
#include "executor/run_driver.h"
#include "executor/summary.h"

namespace tcplan::cli {

namespace ex = tcplan::executor;

namespace {

struct ApplyArgs {
  ApplyInput input;  // PLAN, --now, --wait-lock
  bool yes = false;
  bool resume = false;
  std::string resume_run;
  std::size_t max_parallel = 0;
  bool explain = false;
  bool new_run = false;
  std::string approvals;
  std::string audit_key;
};

void print_line(FILE* f, const std::string& s) {
  std::fputs(s.c_str(), f);
  std::fputc('\n', f);
  std::fflush(f);
}

int run_apply(const ApplyArgs& args, const GlobalOptions& global) {
  const bool json_out = global.output == "json";
  FILE* info = json_out ? stderr : stdout;

  LoadedApply loaded;
  if (int rc = load_apply_input(args.input, loaded); rc != kExitOk) return rc;
  ex::ApplyRequest& req = loaded.request;
  const planner::Plan& plan = *loaded.plan;

  if (args.resume && report_no_trail_to_resume(global.audit_db)) return kExitUsage;
  // From here to the seal, Ctrl-C and SIGTERM end the run cleanly. Before the target starts
  // any thread: the signals stay blocked in all of them and are read on the watcher's.
  ex::Interruption interruption;
  ex::SignalWatcher watcher(interruption);
  interruption.on_request([&interruption] {
    if (interruption.signal_number() != 0)
      print_line(stderr, "interrupted: stopping cleanly (Ctrl-C again to abandon calls in flight)");
  });

  GlobalOptions g = global;
  const TargetChoice choice = choose_target(global.target, plan.target);
  g.target = choice.target;
  if (g.region.empty()) g.region = plan.region;
  auto target = resolve_target(g);
  if (!target) {
    std::fprintf(stderr, "error: %s\n", target.error().message.c_str());
    return target.error().exit_code;
  }
  auto store = audit::EventStore::open(global.audit_db);
  if (!store) {
    std::fprintf(stderr, "error: %s\n", store.error().message.c_str());
    return kExitFailed;
  }
  if (auto snapshot = target->credentials->current()) {
    (*store)->redactor().add_secret((*snapshot)->credentials.secret_key);
    (*store)->redactor().add_secret((*snapshot)->credentials.token);
  }
  // Temporary credentials that cannot be refreshed end the run as Ctrl-C would: nothing new
  // starts, what is in flight finishes, the run is interrupted and resumable (exit 130).
  target->credentials->set_on_failure([&interruption](const std::string& why) {
    print_line(stderr, "error: " + why + "; stopping cleanly (resume with --resume)");
    interruption.request();
  });
  auto key = audit::SealKey::load_or_create(args.audit_key.empty()
                                                ? audit::default_key_path(global.audit_db)
                                                : std::filesystem::path(args.audit_key));
  if (!key) {
    std::fprintf(stderr, "error: audit key: %s\n", key.error().message.c_str());
    return kExitFailed;
  }
  // A second Ctrl-C aborts the calls in flight (their outcome is recorded as unknown).
  target->options.cancel = interruption.forced_flag();
  if (!global.audit_witness.empty())
    (*store)->set_witnesses({audit::file_witness(global.audit_witness)});
  api::Client client(target->credentials, target->options);
  req.credentials = credentials_json(*target->credentials);

  req.resume = args.resume;
  req.resume_run = args.resume_run;
  req.new_run = args.new_run;
  req.approvals_dir = args.approvals;
  req.target = choice.target + ": " + target->description + " (" + choice.source + ")";
  req.secret_id = rate_budget_identity(*target->credentials);
  req.run.max_parallel = args.max_parallel;
  req.run.time_scale = target->time_scale;
  // Progress: rewritten in place on a terminal, else a line each (JSON with --log-format json).
  const bool json_log = global.log_format == "json";
  req.run.progress_on_terminal = !json_out && !json_log && isatty(STDERR_FILENO);
  req.run.log = [json_log](const std::string& line) {
    print_line(stderr, json_log ? progress_json_line(line) : line);
  };
  ex::RunDriver driver(**store, *key, client, interruption,
                       [info](const std::string& line) { print_line(info, line); });
  ex::ApplyOutcome out = driver.apply(req, [&](const planner::Preview& preview) {
    return ask_approval(preview, args.yes, interruption);
  });

  if (!out.message.empty()) print_line(stderr, out.message);
  if (out.report) {
    if (json_out) {
      print_json(ex::summary_json(out.run_id, *out.report, out.costs));
    } else {
      std::fputs(ex::render_summary(*out.report, out.costs).c_str(), stdout);
      if (args.explain) std::fputs(ex::render_explain(*out.report).c_str(), stdout);
    }
  }
  if (out.code == kExitInterrupted && !out.run_id.empty())
    print_line(info, "resume with: " +
                         resume_command(args.input.path, out.run_id, global, args.audit_key));
  return out.code;
}

}  // namespace

void add_apply_command(CLI::App& app, const GlobalOptions& global, CommandFn& run) {
  auto args = std::make_shared<ApplyArgs>();
  auto* cmd = app.add_subcommand(
      "apply",
      "Run a plan (or a saved plan from `tcplan plan --out`): idempotent, resumable, audited");
  cmd->add_option("PLAN", args->input.path, "Plan file (.toml) or saved plan (.json)")->required();
  cmd->add_flag("--yes,-y", args->yes, "Approve without the interactive prompt");
  cmd->add_option("--resume", args->resume_run,
                  "Resume RUN (or, with no value, the latest unfinished run of this plan)")
      ->expected(0, 1);
  cmd->add_option("--now", args->input.now,
                  "Pin the clock for a rehearsal of the change window (RFC 3339 with a zone)");
  cmd->add_option("--max-parallel", args->max_parallel, "At most N step items at once")
      ->check(non_negative_count());
  cmd->add_flag("--explain", args->explain,
                "Say why each step ran, was skipped, re-sent or reconciled");
  cmd->add_option("--wait-lock", args->input.wait_lock,
                  "Wait up to DURATION for another run's cluster lock instead of refusing");
  cmd->add_flag("--new-run", args->new_run,
                "Apply a plan that already succeeded (or a used saved plan) again, on purpose");
  cmd->add_option("--approvals", args->approvals,
                  "Directory of `tcplan approve` files for SAVED (default: SAVED.approvals)");
  cmd->add_option("--audit-key", args->audit_key,
                  "Ed25519 key that seals the run (default: <audit-db>.key, created 0600; for a "
                  "team store <state dir>/<db>@<host>.key, the state dir being "
                  "$XDG_STATE_HOME/tcplan)");
  cmd->callback([cmd, args, &global, &run] {
    args->resume = cmd->count("--resume") > 0;
    run = [args, &global] { return run_apply(*args, global); };
  });
}

}  // namespace tcplan::cli
