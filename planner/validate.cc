// Plan validation: builds the shared context and runs the checks (plan_checks.h) in file
// order, per step and in step order, so the messages of one run read top to bottom.
#include "planner/validate.h"

#include <cstdlib>

#include "planner/parse.h"
#include "planner/plan_checks.h"

namespace tcplan::planner {

bool kind_fills_client_token(StepKind kind) {
  return kind == StepKind::kCreate || kind == StepKind::kScaleOut || kind == StepKind::kCall;
}

bool kind_allows_action(StepKind kind, std::string_view service, std::string_view action) {
  const bool emr = service == "emr";
  switch (kind) {
    case StepKind::kCreate:
      return emr && (action == "CreateInstance" || action == "CreateCluster");
    case StepKind::kScaleOut:
      return emr && (action == "ScaleOutInstance" || action == "ScaleOutCluster");
    case StepKind::kScaleIn:
      return emr && (action == "TerminateTasks" || action == "TerminateClusterNodes");
    case StepKind::kRestart:
      return emr && action == "StartStopServiceOrMonitor";
    case StepKind::kTerminate:
      return (emr && action == "TerminateInstance") ||
             ((service == "cvm" || service == "ecm") && action == "TerminateInstances");
    case StepKind::kScheduler:
      return emr &&
             (action == "ModifyResourceScheduler" || action == "ModifyResourceScheduleConfig");
    case StepKind::kWait:
      return emr && (action == "DescribeClusterFlowStatusDetail" || action == "DescribeInstances");
    case StepKind::kCall:
      return true;
  }
  return false;
}

namespace checks {

Context::Context(const Plan& p, Diagnostics& d, const api::Catalog& cat,
                 std::function<bool(std::string_view)> env)
    : plan(p), diags(d), catalog(cat), env_defined(std::move(env)), graph(p, d), values(p, cat) {
  if (!env_defined) {
    env_defined = [](std::string_view name) {
      return std::getenv(std::string(name).c_str()) != nullptr;
    };
  }
}

}  // namespace checks

void validate_plan(const Plan& plan, Diagnostics& diags, const ValidateOptions& options) {
  checks::Context c(plan, diags, options.catalog ? *options.catalog : api::Catalog::builtin(),
                    options.env_defined);
  checks::check_window(c);
  checks::check_groups(c);
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const Step& s = plan.steps[i];
    checks::check_step(c, s, static_cast<int>(i), nullptr);
    for (const Step& u : s.undo)
      checks::check_step(c, u, static_cast<int>(i), &s);
  }
  checks::warn_unwaited_flows(c);
}

std::optional<Plan> check_plan_file(const std::string& path, Diagnostics& diags,
                                    const ValidateOptions& options) {
  auto plan = load_plan(path, diags);
  if (plan) validate_plan(*plan, diags, options);
  return plan;
}

}  // namespace tcplan::planner
