// What apply refuses before it reads anything from the cloud: a repeat (reapply_guard.h), a
// stale saved plan, missing or invalid approvals (approvals.h), a plan predicted not to fit
// in what is left of its window (planner/window_fit.h); and the clusters of for_each queries,
// chosen before the locks are taken so that they are locked too.
#include <boost/json.hpp>

#include "audit/projection.h"
#include "executor/preview_reader.h"
#include "executor/reapply_guard.h"
#include "executor/run_driver_internal.h"
#include "planner/predict.h"
#include "planner/resolve.h"
#include "planner/window_fit.h"

namespace tcplan::executor {

namespace json = boost::json;

std::optional<RunDriver::Refusal> RunDriver::check_repeat(const Run& run,
                                                          const ApplyRequest& request) {
  if (run.resumed || request.new_run) return std::nullopt;
  auto runs = audit::load_runs(store_);
  if (!runs) return Refusal{"repeat", "cannot read the earlier runs: " + runs.error().message};
  std::erase_if(*runs, [&](const audit::RunState& r) { return r.run_id == run.id; });
  // A saved plan made with --new-run repeats its plan on purpose, but is still used once.
  const bool plan_repeat_allowed = request.saved && request.saved->new_run;
  auto earlier = find_earlier_run(*runs, plan_repeat_allowed ? std::string() : request.plan->sha256,
                                  request.saved ? request.saved->file_sha256 : std::string());
  if (!earlier) return std::nullopt;
  return Refusal{"repeat", describe_earlier_run(*earlier, earlier->saved_plan ? request.input_path
                                                                              : request.plan_path)};
}

std::optional<RunDriver::Refusal> RunDriver::check_saved_plan(const ApplyRequest& request) {
  if (!request.saved || request.resume) return std::nullopt;
  const planner::Plan& plan = *request.plan;
  const auto max_age = plan.approval && plan.approval->max_age ? *plan.approval->max_age
                                                               : planner::kDefaultSavedPlanMaxAge;
  // Real time, not --now: the age of a review does not move with a rehearsal's clock.
  if (auto old = saved_plan_too_old(*request.saved, max_age, std::chrono::system_clock::now())) {
    return Refusal{"stale_plan", "saved plan " + request.input_path + " is too old: " + *old};
  }
  return std::nullopt;
}

std::optional<RunDriver::Refusal> RunDriver::check_approvals(Run& run,
                                                             const ApplyRequest& request) {
  const planner::Plan& plan = *request.plan;
  ApprovalRequirement need;
  if (plan.approval) {
    need.required = plan.approval->required;
    need.approvers = plan.approval->approvers;
  }
  if (!request.approvals_dir.empty()) need.required = std::max<std::int64_t>(need.required, 1);
  if (need.required <= 0 || request.resume) return std::nullopt;
  if (!request.saved) {
    return Refusal{"approval",
                   "plan " + request.plan_path + " requires " + std::to_string(need.required) +
                       " approval(s) by someone else, and approvals sign a saved plan: run "
                       "`tcplan plan " +
                       request.plan_path +
                       " --out SAVED`, have it approved (`tcplan approve SAVED --key KEY`), "
                       "then `tcplan apply SAVED --approvals DIR`"};
  }
  const std::string dir =
      request.approvals_dir.empty() ? request.input_path + ".approvals" : request.approvals_dir;
  std::vector<std::string> unusable;
  auto approvals = read_approvals(dir, &unusable);
  if (!approvals) {
    return Refusal{"approval", "not approved: " + approvals.error().message + " (" +
                                   std::to_string(need.required) + " approval(s) required)"};
  }
  // Real time: an approval's expiry is a fact of the review, not of a rehearsal's clock.
  ApprovalVerdict verdict =
      executor::check_approvals(need, *approvals, saved_plan_digests(*request.saved),
                                key_.fingerprint(), std::chrono::system_clock::now());
  if (!verdict.satisfied) {
    std::string detail = "not approved: " + verdict.reason;
    for (const auto& u : unusable)
      detail += "\n  " + u + " (not an approval)";
    return Refusal{"approval", detail};
  }
  for (const auto& r : verdict.rejected)
    info_("note: approval not counted: " + r);
  run.approvals = std::move(verdict.valid);
  return std::nullopt;
}

std::optional<RunDriver::Refusal> RunDriver::check_window_fit(const ApplyRequest& request,
                                                              const planner::Fleets& fleets,
                                                              base::SysTime now) {
  const planner::Plan& plan = *request.plan;
  if (!plan.window || request.resume) return std::nullopt;
  // The items of each step as far as they are known without reading: literal lists, vars,
  // pinned queries. An unknown list counts as one item: a lower bound, so a plan refused here
  // would not fit with any list.
  planner::ResolveContext ctx;
  ctx.plan = &plan;
  ctx.fleets = &fleets;
  ctx.allow_unknown_outputs = true;
  std::vector<std::size_t> items;
  for (const auto& step : plan.steps) {
    std::size_t n = 1;
    if (step.for_each) {
      if (auto list = planner::resolve_for_each(step, ctx); list && !list->empty())
        n = list->size();
    }
    items.push_back(n);
  }
  const auto timing = planner::predict_plan(plan, items, {request.run.time_scale});
  const auto fit = planner::fit_window(plan.window, now, timing.makespan);
  if (fit.verdict != planner::FitVerdict::kWillNotFit) return std::nullopt;
  return Refusal{"window", "nothing started: " + fit.text};
}

base::Result<planner::Fleets> RunDriver::choose_fleets(Run& run, const ApplyRequest& request) {
  planner::Fleets fleets;
  if (run.resumed && run.resumed->fleets_pinned) return run.resumed->fleets;
  if (request.saved) fleets = request.saved->fleets;
  const planner::Plan& plan = *request.plan;
  std::optional<PreviewReader> reader;
  std::optional<planner::ClusterDirectory> directory;
  for (const auto& step : plan.steps) {
    if (!step.for_each_query || fleets.count(step.id)) continue;
    if (!reader) {
      reader.emplace(client_, *run.journal, interruption_, *limiter(request),
                     request.run.time_scale);
      directory.emplace(*reader);
    }
    auto items = planner::resolve_fleet_query(*step.for_each_query, step.region, *directory);
    if (!items) {
      return base::Error{"step '" + step.id + "': cannot resolve its for_each query (" +
                         planner::describe_query(*step.for_each_query) +
                         "): " + items.error().to_string()};
    }
    fleets[step.id] = std::move(*items);
  }
  return fleets;
}

}  // namespace tcplan::executor
