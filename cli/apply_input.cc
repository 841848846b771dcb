#include "cli/apply_input.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/command.h"
#include "cli/plan_file.h"
#include "executor/saved_plan.h"
#include "planner/validate.h"

namespace tcplan::cli {

std::optional<planner::Plan> load_apply_input(const std::string& path, executor::ApplyRequest& req,
                                              int& exit_code) {
  exit_code = kExitUsage;
  if (report_plan_file_problem(path)) return std::nullopt;
  std::ostringstream text;
  text << std::ifstream(path, std::ios::binary).rdbuf();
  req.input_path = req.plan_path = path;
  if (executor::looks_like_saved_plan(text.str())) {
    auto saved = executor::parse_saved_plan(text.str());
    if (!saved) {
      std::fprintf(stderr, "%s: error: %s\n", path.c_str(), saved.error().message.c_str());
      return std::nullopt;
    }
    req.plan_path = saved->plan_file;
    req.saved = std::move(*saved);
  }
  planner::Diagnostics diags(req.plan_path);
  auto plan = planner::check_plan_file(req.plan_path, diags);
  std::fputs(diags.render().c_str(), stderr);
  if (!plan || diags.has_errors()) {
    std::fprintf(stderr, "%s: invalid (%zu error%s): nothing was sent\n", req.plan_path.c_str(),
                 diags.errors(), diags.errors() == 1 ? "" : "s");
    exit_code = kExitFailed;
    return std::nullopt;
  }
  return plan;
}

}  // namespace tcplan::cli
