// What every subcommand shares: the global options (accepted before or after the
// subcommand) and the way a subcommand file plugs into the app (app.h). One file per
// subcommand; logic that a library should own does not live in cli/.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <string>

#include "executor/status.h"

namespace tcplan::cli {

// Stable, documented exit codes (README "Exit codes"), one set for every command.
using executor::ExitCode;
using enum executor::ExitCode;

struct GlobalOptions {
  // local (embedded emulator) | cloud | "" (not given: the plan's `target`, else local;
  // cli/target.h, choose_target).
  std::string target;
  std::string endpoint;  // overrides the host: any compatible server
  std::string region;
  std::string profile = "default";
  // STS AssumeRole on top of the credential chain (docs/credentials.md).
  std::string role_arn;
  std::string role_session_name;
  std::string external_id;
  std::int64_t role_duration_s = 0;  // 0: the profile's duration_seconds, else 7200
  std::string audit_db;              // after parsing: --audit-db, else cli/state_dir.h's default
  std::string audit_witness;         // empty: "<key dir>/<db name>.witness" (audit/witness.h)
  std::string host_name;             // --host-name / TCPLAN_HOST: this host's name in the trail
  std::string log_level = "warn";
  std::string log_format = "text";
  std::string output = "table";
  // Rehearsals against an emulator: how much faster its flows run (0 = the default: 60 for the
  // embedded emulator, 1 otherwise), and what the embedded emulator starts with.
  double time_scale = 0;
  std::string emulator_fixture;
  std::string emulator_faults;
};

// A subcommand file adds its subcommand to `app` and sets `run` to the function the app calls
// when that subcommand was chosen. The function returns the process exit code.
using CommandFn = std::function<int()>;
using AddCommand = void (*)(CLI::App& app, const GlobalOptions& global, CommandFn& run);

void add_call_command(CLI::App& app, const GlobalOptions& global, CommandFn& run);
void add_emulator_command(CLI::App& app, const GlobalOptions& global, CommandFn& run);
void add_validate_command(CLI::App& app, const GlobalOptions& global, CommandFn& run);
void add_plan_command(CLI::App& app, const GlobalOptions& global, CommandFn& run);
void add_apply_command(CLI::App& app, const GlobalOptions& global, CommandFn& run);
void add_approve_command(CLI::App& app, const GlobalOptions& global, CommandFn& run);
void add_runs_command(CLI::App& app, const GlobalOptions& global, CommandFn& run);
void add_status_command(CLI::App& app, const GlobalOptions& global, CommandFn& run);
void add_audit_command(CLI::App& app, const GlobalOptions& global, CommandFn& run);
// `audit init` and `audit copy` (audit_admin_command.cc), under `audit`.
void add_audit_admin_commands(CLI::App& audit, const GlobalOptions& global, CommandFn& run);

}  // namespace tcplan::cli
