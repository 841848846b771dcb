// `tcplan validate PLAN...`: offline checks of one or more plan files. Every problem of every
// file is printed compiler-style (FILE:LINE:COL: error: ...); exit 0 when all are valid, 1 when
// any is invalid, 2 when a file cannot be read. Never touches the network. With --output json,
// one document (docs/schemas/validate.schema.json) with every diagnostic as an object.
#include <boost/json.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/output_json.h"
#include "cli/plan_file.h"
#include "planner/validate.h"

namespace tcplan::cli {

namespace {

struct ValidateArgs {
  std::vector<std::string> plans;
  bool quiet = false;
};

const char* plural(std::size_t n) {
  return n == 1 ? "" : "s";
}

int run_validate(const ValidateArgs& args, const GlobalOptions& global) {
  const bool json_out = global.output == "json";
  int exit_code = kExitOk;
  boost::json::array files;
  for (const std::string& path : args.plans) {
    boost::json::array diagnostics;
    boost::json::object file{{"file", path}};
    if (std::string why = plan_file_problem(path); !why.empty()) {
      exit_code = kExitUsage;
      if (!json_out) {
        report_plan_file_problem(path);
        continue;
      }
      diagnostics.push_back(file_problem_json(path, "cannot read the plan: " + why));
      file["valid"] = false;
      file["steps"] = nullptr;
      file["errors"] = 1;
      file["warnings"] = 0;
      file["diagnostics"] = std::move(diagnostics);
      files.push_back(std::move(file));
      continue;
    }
    planner::Diagnostics diags(path);
    auto plan = planner::check_plan_file(path, diags);
    const bool valid = plan && !diags.has_errors();
    if (!valid && exit_code == kExitOk) exit_code = kExitFailed;
    if (json_out) {
      for (const auto& d : diags.all())
        diagnostics.push_back(diagnostic_json(path, d));
      file["valid"] = valid;
      file["steps"] = valid ? boost::json::value(plan->steps.size()) : nullptr;
      file["errors"] = diags.errors();
      file["warnings"] = diags.warnings();
      file["diagnostics"] = std::move(diagnostics);
      files.push_back(std::move(file));
      continue;
    }
    std::fputs(diags.render().c_str(), stderr);
    if (!valid) {
      std::fprintf(stderr, "%s: invalid (%zu error%s, %zu warning%s)\n", path.c_str(),
                   diags.errors(), plural(diags.errors()), diags.warnings(),
                   plural(diags.warnings()));
    } else if (!args.quiet) {
      std::printf("%s: valid (%zu step%s, %zu warning%s)\n", path.c_str(), plan->steps.size(),
                  plural(plan->steps.size()), diags.warnings(), plural(diags.warnings()));
    }
  }
  if (json_out) {
    print_json(boost::json::object{
        {"schema", "tcplan.validate/1"}, {"valid", exit_code == kExitOk}, {"files", files}});
  }
  return exit_code;
}

}  // namespace

void add_validate_command(CLI::App& app, const GlobalOptions& global, CommandFn& run) {
  auto args = std::make_shared<ValidateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "validate", "Check plan files offline: keys, types, references, graph, API parameters");
  cmd->add_option("PLAN", args->plans, "Plan files (TOML)")->required();
  cmd->add_flag("-q,--quiet", args->quiet, "Print nothing for valid plans");
  cmd->callback(
      [args, &global, &run] { run = [args, &global] { return run_validate(*args, global); }; });
}

}  // namespace tcplan::cli
