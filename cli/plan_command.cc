// `tcplan plan PLAN [--format table|json|markdown] [--out SAVED]`: validate, then a dry run
// with real reads and prices against the target (--target local by default). Exit 0 ok,
// 1 invalid plan or failed dry run, 2 usage / unreadable file / target set-up, 3 over budget.
#include <cstdio>
#include <memory>
#include <string>

#include "api/client.h"
#include "cli/colour.h"
#include "cli/command.h"
#include "cli/output_json.h"
#include "cli/plan_file.h"
#include "cli/preview_summary.h"
#include "cli/target.h"
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
};

int run_plan(const PlanArgs& args, const GlobalOptions& global) {
  if (report_plan_file_problem(args.plan)) return kExitUsage;
  planner::Diagnostics diags(args.plan);
  auto plan = planner::check_plan_file(args.plan, diags);
  std::fputs(diags.render().c_str(), stderr);
  if (!plan || diags.has_errors()) {
    std::fprintf(stderr, "%s: invalid (%zu error%s)\n", args.plan.c_str(), diags.errors(),
                 diags.errors() == 1 ? "" : "s");
    return kExitFailed;
  }
  GlobalOptions g = global;
  if (g.region.empty()) g.region = plan->region;
  auto target = resolve_target(g);
  if (!target.ok()) {
    std::fprintf(stderr, "error: %s\n", target.error().message.c_str());
    return target.error().exit_code;
  }
  api::Client client(target->credentials, target->options);
  ClientReader reader(client);
  planner::Preview preview = planner::preview_plan(*plan, reader);

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
  if (!preview.problems.empty()) {
    for (const auto& p : preview.problems)
      std::fprintf(stderr, "error: %s\n", p.c_str());
    return kExitFailed;
  }
  if (!args.out.empty()) {
    auto st = planner::write_saved_plan(args.out, preview, *plan);
    if (!st.ok()) {
      std::fprintf(stderr, "error: %s\n", st.error().message.c_str());
      return kExitFailed;
    }
    std::fprintf(stderr, "saved plan written to %s\n", args.out.c_str());
  }
  if (preview.over_budget()) {
    for (const auto& v : preview.budget_violations) {
      std::fprintf(stderr, "refused: over budget: %s\n", v.c_str());
    }
    return kExitRefused;
  }
  return kExitOk;
}

}  // namespace

void add_plan_command(CLI::App& app, const GlobalOptions& global, CommandFn& run) {
  auto args = std::make_shared<PlanArgs>();
  CLI::App* cmd = app.add_subcommand(
      "plan",
      "Validate a plan, then dry-run it: real reads and InquiryPrice for every billable step");
  cmd->add_option("PLAN", args->plan, "Plan file (TOML)")->required();
  cmd->add_option("--format", args->format, "table|json|markdown")
      ->check(CLI::IsMember({"table", "json", "markdown"}))
      ->capture_default_str();
  cmd->add_option("--out", args->out, "Write a saved plan (JSON) for `tcplan apply SAVED`");
  cmd->callback(
      [args, &global, &run] { run = [args, &global] { return run_plan(*args, global); }; });
}

}  // namespace tcplan::cli
