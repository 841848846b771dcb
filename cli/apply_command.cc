// `tcplan apply PLAN|SAVED [--yes] [--resume [RUN]] [--now TIME] [--max-parallel N]
// [--explain] [--wait-lock DURATION]`: what operators run in a change window. It reads as
// the phases of a run: load and validate → target → audit trail → run id → window → locks →
// preview and approval → run → record, seal and summarize.
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "api/api_error.h"
#include "audit/event_store.h"
#include "audit/projection.h"
#include "audit/seal.h"
#include "base/duration.h"
#include "cli/command.h"
#include "cli/target.h"
#include "executor/journal.h"
#include "executor/resume.h"
#include "executor/runner.h"
#include "executor/saved_plan.h"
#include "executor/summary.h"
#include "executor/window.h"
#include "planner/preview.h"
#include "planner/preview_render.h"
#include "planner/resolve.h"
#include "planner/validate.h"

namespace tcplan::cli {

namespace json = boost::json;
namespace ex = tcplan::executor;

namespace {

struct ApplyArgs {
  std::string plan;
  bool yes = false;
  bool resume = false;
  std::string resume_run;
  std::string now;
  std::size_t max_parallel = 0;
  bool explain = false;
  std::string wait_lock;
  std::string audit_key;
};

std::string new_run_id() {
  std::string stamp = base::format_utc_compact(std::chrono::system_clock::now());
  std::random_device rd;
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%04x", static_cast<unsigned>(rd() & 0xffff));
  return std::string("run-") + stamp + "-" + suffix;
}

// Preview reads go through the journal like every other call: the trail shows what the
// approval was based on. They are reads, so a throttled or transient failure is retried with
// backoff (scaled like the runner's): one lost answer must not fail the dry run or leave a
// price unknown.
class JournalReader : public planner::CloudReader {
 public:
  JournalReader(const api::Client& client, ex::Journal& journal, double time_scale)
      : client_(client), journal_(journal), time_scale_(std::max(1.0, time_scale)) {}
  base::Result<json::object, api::ApiError> call(const std::string& service,
                                                 const std::string& action,
                                                 const std::string& version,
                                                 const std::string& region,
                                                 const json::object& params) override {
    api::CallRequest req{service, action, version, region, params};
    for (int attempt = 1;; ++attempt) {
      auto observer = journal_.observe({"preview", "", 0});
      auto r = client_.call(req, observer.get());
      if (r.ok()) return std::move(r->response);
      if (attempt >= 6 || r.error().code == api::kNotSent ||
          api::classify(r.error()) == api::ErrorClass::kPermanent) {
        return r.error();
      }
      std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(
          1000.0 * static_cast<double>(1 << (attempt - 1)) / time_scale_));
    }
  }

 private:
  const api::Client& client_;
  ex::Journal& journal_;
  double time_scale_;
};

// Clusters the plan will change that exist before it runs (ids written in the plan or its
// vars). Clusters it creates itself need no lock: nobody else knows them yet.
std::set<std::string> clusters_to_lock(const planner::Plan& plan, const std::string& run_id) {
  std::set<std::string> out;
  planner::ResolveContext ctx;
  ctx.plan = &plan;
  ctx.run_id = run_id;
  auto visit = [&](const planner::Step& step) {
    if (step.kind == planner::StepKind::kWait || step.service != "emr") return;
    const auto* spec = api::Catalog::builtin().find(step.service, step.action, step.version);
    if (spec && !spec->mutating) return;
    auto* id = step.params.if_contains("InstanceId");
    if (!id) return;
    std::vector<json::value> items{json::value(nullptr)};
    if (step.for_each) {
      auto list = planner::resolve_for_each(step, ctx);
      if (!list) return;
      items.assign(list->begin(), list->end());
    }
    for (const auto& item : items) {
      auto c = ctx;
      c.item = step.for_each ? &item : nullptr;
      auto v = planner::resolve_value(*id, c);
      if (v && v->is_string() && v->as_string().starts_with("emr-")) {
        out.insert(std::string(v->as_string()));
      }
    }
  };
  for (const auto& s : plan.steps)
    visit(s);
  return out;
}

void print_line(FILE* f, const std::string& s) {
  std::fputs(s.c_str(), f);
  std::fputc('\n', f);
  std::fflush(f);
}

int run_apply(const ApplyArgs& args, const GlobalOptions& global) {
  const bool json_out = global.output == "json";
  FILE* info = json_out ? stderr : stdout;

  // 1. Load: a saved plan names its plan file; both are checked below.
  std::string input;
  {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(args.plan, ec)) {
      std::fprintf(stderr, "%s: error: cannot read: no such file\n", args.plan.c_str());
      return kExitUsage;
    }
    FILE* f = std::fopen(args.plan.c_str(), "rb");
    char buf[65536];
    std::size_t n;
    while (f && (n = std::fread(buf, 1, sizeof buf, f)) > 0)
      input.append(buf, n);
    if (f) std::fclose(f);
  }
  std::optional<ex::SavedPlan> saved;
  std::string plan_path = args.plan;
  if (ex::looks_like_saved_plan(input)) {
    auto s = ex::parse_saved_plan(input);
    if (!s) {
      std::fprintf(stderr, "%s: error: %s\n", args.plan.c_str(), s.error().message.c_str());
      return kExitUsage;
    }
    saved = std::move(*s);
    plan_path = saved->plan_file;
  }

  // 2. Validate, offline, before anything is sent.
  planner::Diagnostics diags(plan_path);
  auto plan = planner::check_plan_file(plan_path, diags);
  std::fputs(diags.render().c_str(), stderr);
  if (!plan || diags.has_errors()) {
    std::fprintf(stderr, "%s: invalid (%zu error%s): nothing was sent\n", plan_path.c_str(),
                 diags.errors(), diags.errors() == 1 ? "" : "s");
    return kExitFailed;
  }

  std::optional<ex::SysTime> pinned;
  if (!args.now.empty()) {
    pinned = base::parse_rfc3339(args.now);
    if (!pinned) {
      std::fprintf(stderr,
                   "error: --now '%s' is not a time with a zone (e.g. 2026-11-24T02:00:00+08:00)\n",
                   args.now.c_str());
      return kExitUsage;
    }
  }
  std::optional<std::chrono::milliseconds> wait_lock;
  if (!args.wait_lock.empty()) {
    wait_lock = base::parse_duration(args.wait_lock);
    if (!wait_lock) {
      std::fprintf(stderr, "error: --wait-lock '%s' is not a duration (e.g. 10m)\n",
                   args.wait_lock.c_str());
      return kExitUsage;
    }
  }

  // 3. Target and audit trail.
  GlobalOptions g = global;
  if (!g.region.empty() || plan->region.empty()) {
  } else {
    g.region = plan->region;
  }
  auto target = resolve_target(g);
  if (!target) {
    std::fprintf(stderr, "error: %s\n", target.error().message.c_str());
    return target.error().exit_code;
  }
  auto store = audit::EventStore::open(global.audit_db);
  if (!store) {
    std::fprintf(stderr, "error: %s\n", store.error().message.c_str());
    return kExitFailed;
  }
  (*store)->redactor().add_secret(target->credentials.secret_key);
  if (!target->credentials.token.empty())
    (*store)->redactor().add_secret(target->credentials.token);
  auto key = audit::SealKey::load_or_create(args.audit_key.empty()
                                                ? audit::default_key_path(global.audit_db)
                                                : std::filesystem::path(args.audit_key));
  if (!key) {
    std::fprintf(stderr, "error: audit key: %s\n", key.error().message.c_str());
    return kExitFailed;
  }
  if (!global.audit_witness.empty())
    (*store)->set_witnesses({audit::file_witness(global.audit_witness)});
  api::Client client(target->credentials, target->options);

  // 4. The run: new, or the one to resume.
  std::string run_id = args.resume_run;
  std::optional<ex::ResumeState> resumed;
  if (args.resume) {
    if (run_id.empty()) {
      auto runs = audit::load_runs(**store);
      if (runs) {
        for (auto r = runs->rbegin(); r != runs->rend(); ++r) {
          if ((r->status == "succeeded" && r->sealed) || r->status == "refused") continue;
          std::string digest = r->plan_sha256;
          if (digest.empty()) {
            // Killed before its plan_digest event: run_started names the plan too.
            auto s = ex::load_resume_state(**store, r->run_id);
            if (s) digest = s->plan_sha256;
          }
          if (digest == plan->sha256) {
            run_id = r->run_id;
            break;
          }
        }
      }
      if (run_id.empty()) {
        std::fprintf(stderr,
                     "error: --resume: no unfinished run of %s in %s (name one: --resume RUN)\n",
                     plan_path.c_str(), global.audit_db.c_str());
        return kExitUsage;
      }
    }
    auto state = ex::load_resume_state(**store, run_id);
    if (!state) {
      std::fprintf(stderr, "error: --resume: %s\n", state.error().message.c_str());
      return kExitUsage;
    }
    if (state->status == "succeeded") {
      // Killed between its run_finished event and its seal: what is left is the seal.
      auto run = audit::load_run(**store, run_id);
      if (run && !run->sealed) {
        print_line(info, "run: " + run_id);
        auto sealed = (*store)->seal(run_id, *key);
        if (!sealed) {
          std::fprintf(stderr, "error: sealing run %s: %s\n", run_id.c_str(),
                       sealed.error().message.c_str());
          return kExitFailed;
        }
        print_line(info, "run " + run_id + " had succeeded but was not sealed: sealed it");
        return kExitOk;
      }
      std::fprintf(stderr, "error: run %s already succeeded; nothing to resume\n", run_id.c_str());
      return kExitUsage;
    }
    resumed = std::move(*state);
  } else {
    run_id = new_run_id();
  }
  print_line(info, "run: " + run_id);

  ex::Journal journal(**store, run_id);
  std::vector<std::string> locked;  // cluster locks this process took
  auto finish = [&](const std::string& status) {
    // An interrupted run keeps its locks: its resume takes them back, nobody else steps in.
    if (status != "interrupted") {
      for (const auto& l : locked)
        (void)(*store)->release_lock(l, run_id);
    }
    (void)journal.record(audit::EventKind::kRunFinished, {}, {{"status", status}});
    auto sealed = (*store)->seal(run_id, *key);
    if (!sealed) {
      std::fprintf(stderr, "warning: sealing run %s failed: %s\n", run_id.c_str(),
                   sealed.error().message.c_str());
    }
  };
  auto refuse = [&](const std::string& reason, const std::string& detail) {
    (void)journal.record(audit::EventKind::kRefused, {}, {{"reason", reason}, {"detail", detail}});
    finish("refused");
    std::fprintf(stderr, "refused: %s\n", detail.c_str());
    return kExitRefused;
  };

  json::object started{{"plan", plan_path},
                       {"plan_sha256", plan->sha256},
                       {"mode", args.resume ? "resume" : "apply"},
                       {"target", target->description},
                       {"time_scale", target->time_scale}};
  if (!journal.record(audit::EventKind::kRunStarted, {}, started)) {
    std::fprintf(stderr, "error: %s\n", journal.failure().c_str());
    return kExitFailed;
  }
  (void)journal.record(audit::EventKind::kPlanDigest, {},
                       {{"plan_sha256", plan->sha256}, {"file", plan_path}});
  if (resumed && resumed->plan_sha256 != plan->sha256) {
    print_line(stderr, "note: the plan file changed since run " + run_id +
                           " began; steps that already started are checked one by one");
  }

  // 5. Change window: outside it nothing starts.
  auto now = pinned ? *pinned : std::chrono::system_clock::now();
  if (plan->window) {
    ex::ChangeWindow w{plan->window->start, plan->window->end};
    auto verdict = ex::check_window(w, now, std::chrono::milliseconds{0});
    if (verdict != ex::WindowVerdict::kOpen) {
      return refuse("window", "nothing started: " + ex::describe(verdict, w, now, {}));
    }
  }

  // 6. Locks on every existing cluster the run will change, before the dry run reads them: a
  // second apply must see the lock (and may wait for it), not a cluster busy with the first.
  // A resume finds the locks its killed or interrupted process kept: they are this run's, so
  // it carries on holding them instead of refusing on its own name.
  std::set<std::string> already_held;
  if (resumed) {
    if (auto held = (*store)->locks()) {
      for (const auto& l : *held)
        if (l.holder_run_id == run_id) already_held.insert(l.name);
    }
  }
  for (const auto& cluster : clusters_to_lock(*plan, run_id)) {
    std::string name = "cluster:" + cluster;
    if (already_held.count(name)) {
      locked.push_back(name);
      continue;
    }
    auto deadline =
        std::chrono::steady_clock::now() + wait_lock.value_or(std::chrono::milliseconds{0});
    for (;;) {
      auto r = (*store)->acquire_lock(name, run_id, "apply " + plan_path);
      if (r) {
        locked.push_back(name);
        break;
      }
      if (std::chrono::steady_clock::now() >= deadline) return refuse("lock", r.error().message);
      std::this_thread::sleep_for(std::chrono::milliseconds{200});
    }
  }

  // 7. Preview and approval, bound to the plan digest and the preview digest.
  JournalReader reader(client, journal, target->time_scale);
  planner::PreviewOptions popts;
  popts.run_id = run_id;
  auto preview = planner::preview_plan(*plan, reader, popts);
  json::object preview_doc = planner::preview_json(preview, *plan);
  std::string preview_digest =
      preview_doc.contains("digest") ? json::value_to<std::string>(preview_doc["digest"]) : "";
  (void)journal.record(audit::EventKind::kPreviewDigest, {},
                       {{"preview_sha256", preview_digest},
                        {"steps", preview_doc["steps"]},
                        {"total", preview_doc["total"]}});
  if (saved) {
    std::vector<std::string> changes;
    if (saved->plan_sha256 != plan->sha256) {
      changes.push_back("plan file " + plan_path + " changed since it was saved (sha256 " +
                        saved->plan_sha256.substr(0, 12) + " -> " + plan->sha256.substr(0, 12) +
                        ")");
    }
    for (auto& c : ex::compare_previews(saved->preview, preview_doc, 0.05))
      changes.push_back(c);
    if (!changes.empty()) {
      std::string detail = "saved plan " + args.plan + " is stale:";
      for (const auto& c : changes)
        detail += "\n  " + c;
      return refuse("stale_plan", detail);
    }
  }
  if (preview.over_budget()) {
    std::string detail = "over budget:";
    for (const auto& v : preview.budget_violations)
      detail += " " + v + ";";
    return refuse("budget", detail);
  }
  if (!resumed && !preview.problems.empty()) {
    std::string detail = "the dry run found problems:";
    for (const auto& p : preview.problems)
      detail += "\n  " + p;
    (void)journal.record(audit::EventKind::kRefused, {},
                         {{"reason", "dry_run"}, {"detail", detail}});
    finish("failed");
    std::fprintf(stderr, "%s\n", detail.c_str());
    return kExitFailed;
  }
  std::string approved_by = "--yes";
  if (!args.yes) {
    if (!isatty(STDIN_FILENO)) {
      return refuse("not_approved",
                    "not approved: pass --yes, or run on a terminal to answer the prompt");
    }
    std::fputs(planner::render_table(preview).c_str(), stdout);
    std::fputs("Apply this plan? Only 'yes' is accepted: ", stdout);
    std::fflush(stdout);
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "yes") return refuse("not_approved", "not approved at the prompt");
    approved_by = "prompt";
  }
  (void)journal.record(audit::EventKind::kApproved, {},
                       {{"plan_sha256", plan->sha256},
                        {"preview_sha256", preview_digest},
                        {"by", approved_by},
                        {"user", audit::current_os_user()}});

  // 8. Run.
  ex::RunOptions ropts;
  ropts.max_parallel = args.max_parallel;
  ropts.time_scale = target->time_scale;
  ropts.now = pinned;
  ropts.progress_on_terminal = !json_out && isatty(STDERR_FILENO);
  ropts.log = [](const std::string& line) { print_line(stderr, line); };
  ex::Runner runner(*plan, client, journal, ropts);
  if (resumed) runner.restore(resumed->items);
  ex::RunReport report = runner.run();

  // 9. Record, release, seal, summarize.
  if (report.status == "refused" && !report.detail.empty()) {
    (void)journal.record(audit::EventKind::kRefused, {},
                         {{"reason", "changed_step"}, {"detail", report.detail}});
  }
  finish(report.status);

  ex::SummaryCosts costs;
  costs.currency = preview.currency.empty() ? "CNY" : preview.currency;
  for (const auto& s : preview.steps) {
    if (s.window_cost) costs.window_cost[s.id] = s.window_cost->discounted;
    if (s.price) costs.hourly[s.id] = s.price->hourly.discounted;
  }
  if (json_out) {
    std::printf("%s\n", json::serialize(ex::summary_json(run_id, report, costs)).c_str());
  } else {
    std::fputs(ex::render_summary(report, costs).c_str(), stdout);
    if (args.explain) std::fputs(ex::render_explain(report).c_str(), stdout);
    if (report.status == "interrupted") {
      std::printf("resume with: tcplan apply %s --resume %s\n", args.plan.c_str(), run_id.c_str());
    }
  }
  return ex::exit_code(report);
}

}  // namespace

void add_apply_command(CLI::App& app, const GlobalOptions& global, Runner& run) {
  auto args = std::make_shared<ApplyArgs>();
  auto* cmd = app.add_subcommand(
      "apply",
      "Run a plan (or a saved plan from `tcplan plan --out`): idempotent, resumable, audited");
  cmd->add_option("PLAN", args->plan, "Plan file (.toml) or saved plan (.json)")->required();
  cmd->add_flag("--yes,-y", args->yes, "Approve without the interactive prompt");
  cmd->add_option("--resume", args->resume_run,
                  "Resume RUN (or, with no value, the latest unfinished run of this plan)")
      ->expected(0, 1);
  cmd->add_option("--now", args->now,
                  "Pin the clock for a rehearsal of the change window (RFC 3339 with a zone)");
  cmd->add_option("--max-parallel", args->max_parallel, "At most N step items at once")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--explain", args->explain,
                "Say why each step ran, was skipped, re-sent or reconciled");
  cmd->add_option("--wait-lock", args->wait_lock,
                  "Wait up to DURATION for another run's cluster lock instead of refusing");
  cmd->add_option("--audit-key", args->audit_key,
                  "Ed25519 key that seals the run (default: <audit-db>.key, created 0600)");
  cmd->callback([cmd, args, &global, &run] {
    args->resume = cmd->count("--resume") > 0;
    run = [args, &global] { return run_apply(*args, global); };
  });
}

}  // namespace tcplan::cli
