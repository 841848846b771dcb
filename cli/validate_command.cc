// `tcplan validate PLAN...`: offline checks of one or more plan files. Every problem of every
// file is printed compiler-style (FILE:LINE:COL: error: ...); exit 0 when all are valid, 1 when
// any is invalid, 2 when a file cannot be read. Never touches the network.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "planner/validate.h"

namespace tcplan::cli {

namespace {

struct ValidateArgs {
  std::vector<std::string> plans;
  bool quiet = false;
};

int run_validate(const ValidateArgs& args) {
  int exit_code = kExitOk;
  for (const std::string& path : args.plans) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
      std::fprintf(stderr, "%s: error: cannot read the plan: %s\n", path.c_str(),
                   std::filesystem::exists(path, ec) ? "not a regular file" : "no such file");
      exit_code = kExitUsage;
      continue;
    }
    planner::Diagnostics diags(path);
    auto plan = planner::check_plan_file(path, diags);
    const std::string report = diags.render();
    std::fputs(report.c_str(), stderr);
    if (diags.has_errors()) {
      std::fprintf(stderr, "%s: invalid (%zu error%s, %zu warning%s)\n", path.c_str(),
                   diags.errors(), diags.errors() == 1 ? "" : "s", diags.warnings(),
                   diags.warnings() == 1 ? "" : "s");
      if (exit_code == kExitOk) exit_code = kExitFailed;
    } else if (!args.quiet) {
      std::printf("%s: valid (%zu step%s, %zu warning%s)\n", path.c_str(), plan->steps.size(),
                  plan->steps.size() == 1 ? "" : "s", diags.warnings(),
                  diags.warnings() == 1 ? "" : "s");
    }
  }
  return exit_code;
}

}  // namespace

void add_validate_command(CLI::App& app, const GlobalOptions&, CommandFn& run) {
  auto args = std::make_shared<ValidateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "validate", "Check plan files offline: keys, types, references, graph, API parameters");
  cmd->add_option("PLAN", args->plans, "Plan files (TOML)")->required();
  cmd->add_flag("-q,--quiet", args->quiet, "Print nothing for valid plans");
  cmd->callback([args, &run] { run = [args] { return run_validate(*args); }; });
}

}  // namespace tcplan::cli
