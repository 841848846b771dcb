// The tcplan command line (app.h): global options, the subcommands, logging, and the last
// resort for an exception that escapes a command (a bug or a fatal set-up problem).
#include "cli/app.h"

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "cli/command.h"
#include "cli/logging.h"

namespace tcplan::cli {

int run_main(int argc, char** argv) {
  CLI::App app{"tcplan: validate, price and run change plans against Tencent Cloud (EMR, CVM, ECM)",
               "tcplan"};
  app.set_version_flag("--version", std::string("tcplan ") + TCPLAN_VERSION);
  app.require_subcommand(1);
  // Global options may follow the subcommand too: unknown options fall through to here.
  app.fallthrough();
  app.footer(
      "Exit codes: 0 ok, 1 invalid plan / failed call or run, 2 usage, 3 refused "
      "(window, budget, stale plan, lock, run driven elsewhere), 130 interrupted.\n"
      "Credentials: TENCENTCLOUD_SECRET_ID/_KEY/_TOKEN, then ~/.tencentcloud/credentials, then "
      "~/.tccli/<profile>.credential. --target local needs none.");

  GlobalOptions global;
  app.add_option("--target", global.target,
                 "local (embedded emulator) or cloud; default: the plan's `target`, else local")
      ->check(CLI::IsMember({"local", "cloud"}));
  app.add_option("--endpoint", global.endpoint,
                 "Send requests to this URL instead (e.g. a standalone emulator)");
  app.add_option("--region", global.region, "Region, e.g. ap-guangzhou");
  app.add_option("--profile", global.profile, "Credentials profile")->capture_default_str();
  app.add_option("--audit-db", global.audit_db, "Audit trail SQLite file")->capture_default_str();
  app.add_option("--audit-witness", global.audit_witness,
                 "Where seals are witnessed outside the trail (default <key dir>/<db>.witness)");
  app.add_option("--log-level", global.log_level, "trace|debug|info|warn|error|off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  app.add_option("--log-format", global.log_format, "text|json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  app.add_option("--output", global.output, "table|json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();

  app.add_option("--time-scale", global.time_scale,
                 "Rehearsal speed against an emulator: its flows run N times faster and tcplan "
                 "waits N times less (default 60 for the embedded emulator, 1 otherwise)")
      ->check(CLI::PositiveNumber);
  app.add_option("--emulator-fixture", global.emulator_fixture,
                 "--target local: seed the embedded emulator from this TOML fixture "
                 "(docs/emulator-model.md)")
      ->check(CLI::ExistingFile);
  app.add_option("--emulator-faults", global.emulator_faults,
                 "--target local: inject the faults of this TOML file (docs/emulator.md)")
      ->check(CLI::ExistingFile);

  CommandFn run;
  for (AddCommand add :
       {add_validate_command, add_plan_command, add_approve_command, add_apply_command,
        add_runs_command, add_audit_command, add_call_command, add_emulator_command}) {
    add(app, global, run);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }

  try {
    setup_logging(global.log_level, global.log_format);
    // Every subcommand sets `run` (require_subcommand at each level), so it is set here.
    return run();
  } catch (const std::exception& e) {
    // Fatal set-up problems only: expected failures are values and handled by commands.
    std::fprintf(stderr, "error: %s\n", e.what());
    return kExitFailed;
  }
}

}  // namespace tcplan::cli
