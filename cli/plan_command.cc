// `tcplan plan PLAN [--format table|json|markdown] [--out SAVED] [--now T] [--new-run]`:
// validate, refuse a plan that already succeeded (the trail says so; --new-run to repeat it on
// purpose), then a dry run with real reads and prices against the target (the --target flag,
// else the plan's `target`, else local), with each step's predicted duration and the plan's
// fit in its change window. Exit 0 ok, 1 invalid plan or failed dry run (a price that could
// not be read included), 2 usage / unreadable file / target set-up, 3 refused: over budget,
// a closed window or one the plan will not fit in, a repeat.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "api/client.h"
#include "audit/projection.h"
#include "base/time.h"
#include "cli/colour.h"
#include "cli/command.h"
#include "cli/output_json.h"
#include "cli/plan_file.h"
#include "cli/preview_summary.h"
#include "cli/target.h"
#include "cli/trail.h"
#include "executor/reapply_guard.h"
#include "planner/preview.h"
#include "planner/preview_render.h"
#include "planner/validate.h"

namespace tcplan::cli {

namespace {

// The preview reads through the same signed client as everything else.
class ClientReader : public planner::CloudReader {
 public:
  explicit ClientReader(const api::Client& client) : client_(client) {}
  base::Result<boost::json::object, api::ApiError> call(
      const std::string& service, const std::string& action, const std::string& version,
      const std::string& region, const boost::json::object& params) override {
    api::CallRequest req{service, action, version, region, params};
    auto r = client_.call(req);
    if (!r.ok()) return r.error();
    return std::move(r->response);
  }

 private:
  const api::Client& client_;
};

struct PlanArgs {
  std::string plan;
  std::string format = "table";
  std::string out;
  std::string now;
  bool new_run = false;
};

// The run of the trail that already applied this plan file successfully, if any. A missing
// trail has none; one that cannot be read is reported and does not stop the preview.
std::optional<std::string> earlier_success(const std::string& db, const planner::Plan& plan) {
  std::error_code ec;
  if (!std::filesystem::exists(db, ec)) return std::nullopt;
  auto store = open_existing_trail(db);
  if (!store) {
    std::fprintf(stderr, "warning: cannot read earlier runs: %s\n", store.error().message.c_str());
    return std::nullopt;
  }
  auto runs = audit::load_runs(**store);
  if (!runs) {
    std::fprintf(stderr, "warning: cannot read earlier runs: %s\n", runs.error().message.c_str());
    return std::nullopt;
  }
  auto earlier = executor::find_earlier_run(*runs, plan.sha256, "");
  if (!earlier) return std::nullopt;
  return executor::describe_earlier_run(*earlier, plan.file);
}

int run_plan(const PlanArgs& args, const GlobalOptions& global) {
  if (report_plan_file_problem(args.plan)) return kExitUsage;
  std::optional<base::SysTime> now;
  if (!args.now.empty()) {
    now = base::parse_rfc3339(args.now);
    if (!now) {
      std::fprintf(stderr,
                   "error: --now '%s' is not a time with a zone (e.g. 2026-11-24T02:00:00+08:00)\n",
                   args.now.c_str());
      return kExitUsage;
    }
  }
  planner::Diagnostics diags(args.plan);
  auto plan = planner::check_plan_file(args.plan, diags);
  std::fputs(diags.render().c_str(), stderr);
  if (!plan || diags.has_errors()) {
    std::fprintf(stderr, "%s: invalid (%zu error%s)\n", args.plan.c_str(), diags.errors(),
                 diags.errors() == 1 ? "" : "s");
    return kExitFailed;
  }
  if (!args.new_run) {
    if (auto earlier = earlier_success(global.audit_db, *plan)) {
      std::fprintf(stderr, "refused: %s\n", earlier->c_str());
      return kExitRefused;
    }
  }
  GlobalOptions g = global;
  const TargetChoice choice = choose_target(global.target, plan->target);
  g.target = choice.target;
  if (g.region.empty()) g.region = plan->region;
  auto target = resolve_target(g);
  if (!target.ok()) {
    std::fprintf(stderr, "error: %s\n", target.error().message.c_str());
    return target.error().exit_code;
  }
  api::Client client(target->credentials, target->options);
  ClientReader reader(client);
  planner::PreviewOptions options;
  options.window_now = now;
  options.time_scale = target->time_scale;
  options.target = choice.target + ": " + target->description + " (" + choice.source + ")";
  planner::Preview preview = planner::preview_plan(*plan, reader, options);

  // --output json asks for the same document as --format json.
  const std::string format =
      global.output == "json" && args.format == "table" ? std::string("json") : args.format;
  if (format == "json") {
    print_json(planner::preview_json(preview, *plan));
  } else {
    const bool markdown = format == "markdown";
    std::string text =
        markdown ? planner::render_markdown(preview) : planner::render_table(preview);
    const std::string counts = change_counts(preview, !markdown && colour_enabled(stdout));
    const std::string budget = budget_verdict(preview, *plan);
    text += markdown ? "\n**" + counts + "**\n" : "\n" + counts + "\n";
    if (!budget.empty()) text += (markdown ? "\n" + budget + "\n" : budget + "\n");
    std::fputs(text.c_str(), stdout);
  }
  for (const auto& d : preview.duplicates)
    std::fprintf(stderr, "warning: %s\n", d.c_str());
  if (!preview.problems.empty()) {
    for (const auto& p : preview.problems)
      std::fprintf(stderr, "error: %s\n", p.c_str());
    return kExitFailed;
  }
  if (!args.out.empty()) {
    auto st = planner::write_saved_plan(args.out, preview, *plan, args.new_run);
    if (!st.ok()) {
      std::fprintf(stderr, "error: %s\n", st.error().message.c_str());
      return kExitFailed;
    }
    std::fprintf(stderr, "saved plan written to %s\n", args.out.c_str());
  }
  int code = kExitOk;
  const auto verdict = preview.window_fit.verdict;
  if (verdict == planner::FitVerdict::kClosed || verdict == planner::FitVerdict::kWillNotFit) {
    std::fprintf(stderr, "refused: change window: %s\n", preview.window_fit.text.c_str());
    code = kExitRefused;
  }
  if (preview.over_budget()) {
    for (const auto& v : preview.budget_violations) {
      std::fprintf(stderr, "refused: over budget: %s\n", v.c_str());
    }
    code = kExitRefused;
  }
  return code;
}

}  // namespace

void add_plan_command(CLI::App& app, const GlobalOptions& global, CommandFn& run) {
  auto args = std::make_shared<PlanArgs>();
  CLI::App* cmd = app.add_subcommand(
      "plan",
      "Validate a plan, then dry-run it: real reads, InquiryPrice for every billable step, "
      "predicted durations and the change window's verdict");
  cmd->add_option("PLAN", args->plan, "Plan file (TOML)")->required();
  cmd->add_option("--format", args->format, "table|json|markdown")
      ->check(CLI::IsMember({"table", "json", "markdown"}))
      ->capture_default_str();
  cmd->add_option("--out", args->out,
                  "Write a saved plan (JSON) for `tcplan approve` and `tcplan apply SAVED`");
  cmd->add_option("--now", args->now,
                  "Judge the change window at this time (RFC 3339 with a zone), for rehearsals");
  cmd->add_flag("--new-run", args->new_run,
                "Preview a plan that already succeeded, to apply it again on purpose");
  cmd->callback(
      [args, &global, &run] { run = [args, &global] { return run_plan(*args, global); }; });
}

}  // namespace tcplan::cli
