// Reading apply's input (apply_input.h).
#include "cli/apply_input.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "base/duration.h"
#include "base/time.h"
#include "cli/command.h"
#include "cli/plan_file.h"
#include "executor/saved_plan.h"
#include "planner/validate.h"

namespace tcplan::cli {

namespace ex = tcplan::executor;

int load_apply_input(const ApplyInput& in, LoadedApply& out) {
  // A saved plan names its plan file; both are checked, offline, before anything is sent.
  if (report_plan_file_problem(in.path)) return kExitUsage;
  std::ostringstream text;
  text << std::ifstream(in.path, std::ios::binary).rdbuf();
  ex::ApplyRequest& req = out.request;
  req.input_path = req.plan_path = in.path;
  if (ex::looks_like_saved_plan(text.str())) {
    auto saved = ex::parse_saved_plan(text.str());
    if (!saved) {
      std::fprintf(stderr, "%s: error: %s\n", in.path.c_str(), saved.error().message.c_str());
      return kExitUsage;
    }
    req.plan_path = saved->plan_file;
    req.saved = std::move(*saved);
  }
  planner::Diagnostics diags(req.plan_path);
  out.plan = planner::check_plan_file(req.plan_path, diags);
  std::fputs(diags.render().c_str(), stderr);
  if (!out.plan || diags.has_errors()) {
    std::fprintf(stderr, "%s: invalid (%zu error%s): nothing was sent\n", req.plan_path.c_str(),
                 diags.errors(), diags.errors() == 1 ? "" : "s");
    return kExitFailed;
  }
  req.plan = &*out.plan;
  if (!in.now.empty()) {
    req.run.now = base::parse_rfc3339(in.now);
    if (!req.run.now) {
      std::fprintf(stderr,
                   "error: --now '%s' is not a time with a zone (e.g. 2026-11-24T02:00:00+08:00)\n",
                   in.now.c_str());
      return kExitUsage;
    }
  }
  if (!in.wait_lock.empty()) {
    req.wait_lock = base::parse_duration(in.wait_lock);
    if (!req.wait_lock) {
      std::fprintf(stderr, "error: --wait-lock '%s' is not a duration (e.g. 10m)\n",
                   in.wait_lock.c_str());
      return kExitUsage;
    }
  }
  return kExitOk;
}

}  // namespace tcplan::cli
