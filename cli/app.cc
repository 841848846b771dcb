// The tcplan command line (app.h): global options, the subcommands, logging, and the last
// resort for an exception that escapes a command (a bug or a fatal set-up problem).
#include "cli/app.h"

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "audit/event_store.h"
#include "audit/location.h"
#include "base/redact.h"
#include "cli/colour.h"
#include "cli/command.h"
#include "cli/help_text.h"
#include "cli/logging.h"
#include "cli/option_checks.h"
#include "cli/state_dir.h"
#include "cli/suggest.h"

namespace tcplan::cli {

std::unique_ptr<CLI::App> make_app(GlobalOptions& global, CommandFn& run) {
  auto owned = std::make_unique<CLI::App>(
      "tcplan: validate, price and run change plans against Tencent Cloud (EMR, CVM, ECM)",
      "tcplan");
  CLI::App& app = *owned;
  app.set_version_flag("--version", std::string("tcplan ") + TCPLAN_VERSION);
  app.require_subcommand(1);
  // Global options may follow the subcommand too: unknown options fall through to here.
  app.fallthrough();
  app.footer(
      "Exit codes: 0 ok, 1 invalid plan / failed call or run, 2 usage, 3 refused "
      "(window, budget, a repeat, approvals, stale plan, lock, run driven elsewhere), 130 "
      "interrupted.\n"
      "Credentials: TENCENTCLOUD_SECRET_ID/_KEY/_TOKEN, then ~/.tencentcloud/credentials, then "
      "~/.tccli/<profile>.credential, then the CVM instance role; --role-arn assumes a role "
      "with them (docs/credentials.md). --target local needs none.\n"
      "State: the trail, its key and the local emulator's state live in $XDG_STATE_HOME/tcplan "
      "(~/.local/state/tcplan) unless --audit-db or TCPLAN_AUDIT_DB names another trail; a "
      "team store's key, witness and emulator state stay there.\n"
      "`tcplan help CMD` or `tcplan CMD --help` shows a command's options and examples.");

  app.add_option("--target", global.target,
                 "local (embedded emulator) or cloud; default: the plan's `target`, else local")
      ->check(CLI::IsMember({"local", "cloud"}));
  app.add_option("--endpoint", global.endpoint,
                 "Send requests to this URL instead (e.g. a standalone emulator)");
  app.add_option("--region", global.region, "Region, e.g. ap-guangzhou");
  app.add_option("--profile", global.profile, "Credentials profile")->capture_default_str();
  app.add_option("--role-arn", global.role_arn,
                 "Assume this CAM role (STS AssumeRole) with the credentials found, e.g. "
                 "qcs::cam::uin/100000000001:roleName/ops");
  app.add_option("--role-session-name", global.role_session_name,
                 "RoleSessionName for --role-arn (default tcplan-<user>-<unix time>)");
  app.add_option("--external-id", global.external_id, "ExternalId for --role-arn");
  app.add_option("--duration", global.role_duration_s,
                 "Seconds the assumed role's credentials last (default 7200, at most 43200); "
                 "tcplan refreshes them 300 s before they expire")
      ->check(CLI::Range(1, 43200));
  app.add_option("--audit-db", global.audit_db,
                 "Audit trail: a SQLite file, or a PostgreSQL team store (postgresql://..., "
                 "service=NAME; docs/team.md) (default $TCPLAN_AUDIT_DB, else "
                 "$XDG_STATE_HOME/tcplan/audit.db, i.e. ~/.local/state/tcplan/audit.db)");
  app.add_option("--host-name", global.host_name,
                 "This host's name in the trail and in run leases (default: TCPLAN_HOST, else "
                 "the system host name)");
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
      ->check(positive_number());
  app.add_option("--emulator-fixture", global.emulator_fixture,
                 "--target local: seed the embedded emulator from this TOML fixture "
                 "(docs/emulator-model.md)")
      ->check(CLI::ExistingFile);
  app.add_option("--emulator-faults", global.emulator_faults,
                 "--target local: inject the faults of this TOML file (docs/emulator.md)")
      ->check(CLI::ExistingFile);

  for (AddCommand add :
       {add_validate_command, add_plan_command, add_approve_command, add_apply_command,
        add_runs_command, add_audit_command, add_call_command, add_emulator_command}) {
    add(app, global, run);
  }
  add_help_footers(app);
  return owned;
}

int run_main(int argc, char** argv) {
  GlobalOptions global;
  CommandFn run;
  std::unique_ptr<CLI::App> owned = make_app(global, run);
  CLI::App& app = *owned;

  std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
  args = rewrite_help(std::move(args));
  if (std::string unknown = unknown_name_error(app, args); !unknown.empty()) {
    std::fprintf(stderr, "%s%s\n", error_prefix(stderr).c_str(), unknown.c_str());
    return kExitUsage;
  }
  try {
    // CLI11 parses a reversed vector (it pops arguments from the back).
    std::reverse(args.begin(), args.end());
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }

  if (global.audit_db.empty()) {
    global.audit_db = default_audit_db(state_environment());
    if (auto made = ensure_state_dir(global.audit_db); !made) {
      std::fprintf(stderr, "error: %s\n", made.error().message.c_str());
      return kExitFailed;
    }
  }
  try {
    setup_logging(global.log_level, global.log_format);
    if (!global.host_name.empty()) audit::set_host_name(global.host_name);
    if (auto loc = audit::parse_location(global.audit_db); loc && loc->has_password) {
      base::process_redactor().add_secret(loc->password);
      std::fprintf(stderr,
                   "warning: --audit-db carries a password; use PGPASSFILE or a service file "
                   "instead (docs/team.md)\n");
    }
    // Every subcommand sets `run` (require_subcommand at each level), so it is set here.
    return run();
  } catch (const std::exception& e) {
    // Fatal set-up problems only: expected failures are values and handled by commands.
    std::fprintf(stderr, "%s%s\n", error_prefix(stderr).c_str(), e.what());
    return kExitFailed;
  }
}

}  // namespace tcplan::cli
