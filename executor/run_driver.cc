#include "executor/run_driver.h"

#include <boost/json.hpp>
#include <memory>
#include <thread>

#include "audit/projection.h"
#include "base/duration.h"
#include "executor/cluster_locks.h"
#include "executor/journal.h"
#include "executor/lease.h"
#include "executor/preview_reader.h"
#include "executor/rate_budget.h"
#include "executor/resume.h"
#include "executor/run_driver_internal.h"
#include "executor/run_id.h"
#include "executor/window.h"
#include "planner/preview_render.h"

namespace tcplan::executor {

namespace json = boost::json;

RunDriver::RunDriver(audit::EventStore& store, const audit::SealKey& key, api::Client& client,
                     Interruption& interruption, std::function<void(const std::string&)> info)
    : store_(store),
      key_(key),
      client_(client),
      interruption_(interruption),
      info_(std::move(info)) {}

base::Result<std::string> RunDriver::find_run(const ApplyRequest& request) {
  if (!request.resume_run.empty()) return request.resume_run;
  auto runs = audit::load_runs(store_);
  if (!runs) return runs.error();
  for (auto r = runs->rbegin(); r != runs->rend(); ++r) {
    if ((r->status == "succeeded" && r->sealed) || r->status == "refused") continue;
    std::string digest = r->plan_sha256;
    if (digest.empty()) {
      // Killed before its plan_digest event: run_started names the plan too.
      if (auto s = load_resume_state(store_, r->run_id)) digest = s->plan_sha256;
    }
    if (digest == request.plan->sha256) return r->run_id;
  }
  return base::Error{"no unfinished run of " + request.plan_path + " in " + store_.describe() +
                     " (name one: --resume RUN)"};
}

ApplyOutcome RunDriver::apply(const ApplyRequest& request, const ApproveFn& approve) {
  ApplyOutcome outcome;
  if (interruption_.requested()) {
    outcome.code = kExitInterrupted;
    outcome.message = "interrupted before the run started: nothing was recorded or sent";
    return outcome;
  }
  Run run;
  if (request.resume) {
    auto id = find_run(request);
    if (!id) {
      outcome.code = kExitUsage;
      outcome.message = "--resume: " + id.error().message;
      return outcome;
    }
    run.id = *id;
    auto state = load_resume_state(store_, run.id);
    if (!state) {
      outcome.code = kExitUsage;
      outcome.message = "--resume: " + state.error().message;
      return outcome;
    }
    run.resumed = std::move(*state);
    if (run.resumed->status == RunStatus::kSucceeded) {
      auto projected = audit::load_run(store_, run.id);
      if (projected && projected->sealed) {
        outcome.code = kExitUsage;
        outcome.message = "run " + run.id + " already succeeded; nothing to resume";
        return outcome;
      }
    }
  } else {
    run.id = new_run_id();
  }
  outcome.run_id = run.id;
  info_("run: " + run.id);

  run.journal = std::make_unique<Journal>(store_, run.id);
  Journal* journal = run.journal.get();
  auto lease = LeaseKeeper::acquire(
      store_, run.id, request.resume ? audit::LeaseMode::kExistingRun : audit::LeaseMode::kNewRun,
      [this, journal](const std::string& why) {
        journal->lose_lease(why);
        interruption_.request();  // wake every phase: this process stops now
      });
  if (!lease) {
    using R = audit::LeaseError::Reason;
    const auto reason = lease.error().reason;
    outcome.code = reason == R::kHeld        ? kExitRefused
                   : reason == R::kNoSuchRun ? kExitUsage
                                             : kExitFailed;
    outcome.message = (reason == R::kHeld ? "refused: " : "") + lease.error().message;
    if (reason == R::kHeld) {
      outcome.message += "; wait for it to end, or stop it (a killed owner is taken over at once)";
    }
    return outcome;
  }
  run.lease = std::move(*lease);
  journal->fence(run.lease->epoch());

  if (run.resumed && run.resumed->status == RunStatus::kSucceeded) {
    // Killed between its run_finished event and its seal: what is left is the seal.
    auto released = run.lease->release();
    auto sealed = store_.seal(run.id, key_);
    if (!released || !sealed) {
      outcome.message = "sealing run " + run.id + ": " +
                        (!released ? released.error().message : sealed.error().message);
      return outcome;
    }
    info_("run " + run.id + " had succeeded but was not sealed: sealed it");
    outcome.code = kExitOk;
    return outcome;
  }

  const planner::Plan& plan = *request.plan;
  json::object started{{"plan", request.plan_path},
                       {"plan_sha256", plan.sha256},
                       {"mode", request.resume ? "resume" : "apply"},
                       {"target", request.target},
                       {"time_scale", request.run.time_scale},
                       {"lease_epoch", run.lease->epoch()}};
  if (request.saved) {
    started["saved_plan"] = request.input_path;
    started["saved_plan_sha256"] = request.saved->file_sha256;
  }
  if (request.new_run) started["new_run"] = true;
  if (!request.credentials.empty()) started["credentials"] = request.credentials;
  if (!journal->record(audit::EventKind::kRunStarted, {}, started) ||
      !journal->record(audit::EventKind::kPlanDigest, {},
                       {{"plan_sha256", plan.sha256}, {"file", request.plan_path}})) {
    outcome.message = journal->failure();
    return finish(run, RunStatus::kFailed, std::move(outcome));
  }
  if (run.resumed && run.resumed->plan_sha256 != plan.sha256) {
    info_("note: the plan file changed since run " + run.id +
          " began; steps that already started are checked one by one");
  }
  return drive(run, request, approve);
}

bool RunDriver::take_locks(Run& run, const ApplyRequest& request, const planner::Fleets& fleets,
                           std::string& refusal) {
  const auto names = cluster_locks(*request.plan, run.id, &fleets);
  if (names.empty()) return true;
  const auto wait = request.wait_lock.value_or(std::chrono::milliseconds{0});
  const auto deadline = std::chrono::steady_clock::now() + wait;
  bool announced = false;
  for (;;) {
    // All of them or none, in one transaction: two runs wanting overlapping clusters can
    // never each hold half and wait for the other.
    auto taken = store_.acquire_locks(names, run.id, "apply " + request.plan_path);
    if (taken) return true;
    refusal = taken.error().message;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (!announced) {
      info_("waiting up to " + base::format_duration(wait) + " for " + refusal);
      announced = true;
    }
    if (interruption_.wait_for(std::chrono::milliseconds{200})) {
      refusal = "interrupted while waiting: " + refusal;
      return false;
    }
  }
}

ApplyOutcome RunDriver::refuse(Run& run, const std::string& reason, const std::string& detail) {
  ApplyOutcome outcome;
  outcome.code = kExitRefused;
  outcome.message = "refused: " + detail;
  if (!run.journal->record(audit::EventKind::kRefused, {},
                           {{"reason", reason}, {"detail", detail}})) {
    outcome.message += "\nerror: " + run.journal->failure();
  }
  return finish(run, RunStatus::kRefused, std::move(outcome));
}

std::shared_ptr<RateLimiter> RunDriver::limiter(const ApplyRequest& request) {
  // Runs that share a team store share its rate budget; a local trail's run paces itself.
  if (!limiter_)
    limiter_ =
        std::make_shared<RateLimiter>(0.97, shared_rate_budget(store_, request.secret_id, info_));
  return limiter_;
}

ApplyOutcome RunDriver::drive(Run& run, const ApplyRequest& request, const ApproveFn& approve) {
  const planner::Plan& plan = *request.plan;
  Journal& journal = *run.journal;
  auto interrupted = [&] {
    ApplyOutcome o;
    o.code = kExitInterrupted;
    return finish(run, RunStatus::kInterrupted, std::move(o));
  };
  auto failed = [&](std::string message) {
    ApplyOutcome o;
    o.message = std::move(message);
    return finish(run, RunStatus::kFailed, std::move(o));
  };

  // Refusals that need no read: a repeat, a stale or unapproved saved plan.
  if (auto r = check_repeat(run, request)) return refuse(run, r->reason, r->detail);
  if (auto r = check_saved_plan(request)) return refuse(run, r->reason, r->detail);
  if (auto r = check_approvals(run, request)) return refuse(run, r->reason, r->detail);

  // Outside the change window nothing starts, nor does a plan that cannot end inside it.
  const auto now = request.run.now ? *request.run.now : std::chrono::system_clock::now();
  if (plan.window) {
    ChangeWindow w{plan.window->start, plan.window->end};
    auto verdict = check_window(w, now, std::chrono::milliseconds{0});
    if (verdict != WindowVerdict::kOpen) {
      return refuse(run, "window", "nothing started: " + describe(verdict, w, now, {}));
    }
  }
  planner::Fleets pinned;
  if (request.saved) pinned = request.saved->fleets;
  if (run.resumed && run.resumed->fleets_pinned) pinned = run.resumed->fleets;
  if (auto r = check_window_fit(request, pinned, now)) return refuse(run, r->reason, r->detail);

  // The clusters of for_each queries, so that they are locked with the rest.
  auto fleets = choose_fleets(run, request);
  if (interruption_.requested()) return interrupted();
  if (!fleets) return failed(fleets.error().message);

  // Locks on every existing cluster the run will change, before the dry run reads them: a
  // second apply must see the lock (and may wait for it), not a cluster busy with the first.
  std::string refusal;
  if (!take_locks(run, request, *fleets, refusal)) {
    return interruption_.requested() ? interrupted() : refuse(run, "lock", refusal);
  }
  if (interruption_.requested()) return interrupted();

  // Preview and approval, bound to the plan digest and the preview digest.
  PreviewReader reader(client_, journal, interruption_, *limiter(request), request.run.time_scale);
  planner::PreviewOptions popts;
  popts.run_id = run.id;
  popts.window_now = now;
  popts.target = request.target;
  popts.time_scale = request.run.time_scale;
  popts.fleets = &*fleets;
  auto preview = planner::preview_plan(plan, reader, popts);
  run.costs.currency = preview.currency.empty() ? "CNY" : preview.currency;
  run.costs.time_scale = preview.time_scale;
  for (const auto& s : preview.steps) {
    if (s.window_cost) run.costs.window_cost[s.id] = s.window_cost->discounted;
    if (s.price) run.costs.hourly[s.id] = s.price->hourly.discounted;
    run.costs.predicted[s.id] = s.timing.duration;
  }
  if (interruption_.requested()) return interrupted();
  json::object preview_doc = planner::preview_json(preview, plan);
  std::string preview_digest =
      preview_doc.contains("digest") ? json::value_to<std::string>(preview_doc["digest"]) : "";
  json::object fleets_doc;
  for (const auto& [step, items] : *fleets)
    fleets_doc[step] = items;
  if (!journal.record(audit::EventKind::kPreviewDigest, {},
                      {{"preview_sha256", preview_digest},
                       {"steps", preview_doc["steps"]},
                       {"total", preview_doc["total"]},
                       {"predicted", preview_doc["predicted"]},
                       {"fleets", std::move(fleets_doc)}})) {
    return failed(journal.failure());
  }
  if (request.saved) {
    std::vector<std::string> changes;
    if (request.saved->plan_sha256 != plan.sha256) {
      changes.push_back("plan file " + request.plan_path + " changed since it was saved (sha256 " +
                        request.saved->plan_sha256.substr(0, 12) + " -> " +
                        plan.sha256.substr(0, 12) + ")");
    }
    for (auto& c : compare_previews(request.saved->preview, preview_doc, 0.05))
      changes.push_back(c);
    if (!changes.empty()) {
      std::string detail = "saved plan " + request.input_path + " is stale:";
      for (const auto& c : changes)
        detail += "\n  " + c;
      return refuse(run, "stale_plan", detail);
    }
  }
  if (!run.resumed && !request.new_run && !preview.duplicates.empty()) {
    std::string detail =
        "the plan would repeat a live cluster (pass --new-run to create it anyway):";
    for (const auto& d : preview.duplicates)
      detail += "\n  " + d;
    return refuse(run, "repeat", detail);
  }
  if (!run.resumed && preview.window_fit.verdict == planner::FitVerdict::kWillNotFit) {
    return refuse(run, "window", "nothing started: " + preview.window_fit.text);
  }
  if (preview.over_budget()) {
    std::string detail = "over budget:";
    for (const auto& v : preview.budget_violations)
      detail += " " + v + ";";
    return refuse(run, "budget", detail);
  }
  if (!run.resumed && !preview.problems.empty()) {
    std::string detail = "the dry run found problems:";
    for (const auto& p : preview.problems)
      detail += "\n  " + p;
    ApplyOutcome o;
    o.message = detail;
    if (!journal.record(audit::EventKind::kRefused, {},
                        {{"reason", "dry_run"}, {"detail", detail}})) {
      o.message += "\nerror: " + journal.failure();
    }
    return finish(run, RunStatus::kFailed, std::move(o));
  }
  Approval approval = approve(preview);
  if (approval.interrupted || interruption_.requested()) return interrupted();
  if (!approval.approved) return refuse(run, "not_approved", approval.refusal);
  // The approvals of others first (each signed, with its ticket), then the applier's own.
  for (const ApprovalRecord& a : run.approvals) {
    json::object payload = approval_json(a);
    payload.erase("schema");
    // The one redaction rule hides any field named *key* or *signature*; an approver's public
    // key, fingerprint and signature are not secrets, and a reviewer needs them to check it.
    for (const auto& [from, to] : {std::pair{"key_fingerprint", "approver_fingerprint"},
                                   std::pair{"public_key", "approver_ed25519_public"},
                                   std::pair{"signature", "approval_ed25519_sig"}}) {
      payload[to] = payload[from];
      payload.erase(from);
    }
    payload["by"] = "approval";
    payload["file"] = a.file;
    if (!journal.record(audit::EventKind::kApproved, {}, std::move(payload))) {
      return failed(journal.failure());
    }
  }
  if (!journal.record(audit::EventKind::kApproved, {},
                      {{"plan_sha256", plan.sha256},
                       {"preview_sha256", preview_digest},
                       {"by", approval.by},
                       {"user", audit::current_os_user()}})) {
    return failed(journal.failure());
  }

  // The run, on exactly the items the dry run showed.
  RunOptions options = request.run;
  options.interruption = &interruption_;
  options.limiter = limiter(request);
  options.fleets = &*fleets;
  for (const auto& s : preview.steps)
    options.predicted[s.id] = s.timing.per_item;
  Runner runner(plan, client_, journal, options);
  if (run.resumed) runner.restore(run.resumed->items);
  RunReport report = runner.run();
  ApplyOutcome o;
  if (report.status == RunStatus::kRefused && !report.detail.empty()) {
    if (!journal.record(audit::EventKind::kRefused, {},
                        {{"reason", "changed_step"}, {"detail", report.detail}})) {
      o.message = journal.failure();
    }
  }
  o.code = exit_code(report);
  o.report = std::move(report);
  return finish(run, o.report->status, std::move(o));
}

ApplyOutcome RunDriver::finish(Run& run, RunStatus status, ApplyOutcome outcome) {
  outcome.run_id = run.id;
  outcome.costs = run.costs;
  Journal& journal = *run.journal;
  if (journal.lease_lost() || run.lease->lost()) {
    // Another process drives the run now: this one must not touch its locks, finish or seal it.
    outcome.code = kExitRefused;
    outcome.message =
        (outcome.message.empty() ? "" : outcome.message + "\n") + "stopped: " + journal.failure();
    return outcome;
  }
  std::vector<std::string> problems;
  // An interrupted run that may have changed something keeps its locks for its resume; any
  // other end, and an interruption before anything could change, lets them go.
  const bool changed = journal.sent_change() || (run.resumed && run.resumed->sent_change);
  if (status != RunStatus::kInterrupted || !changed) {
    std::vector<std::string> held;
    auto locks = store_.locks();
    if (!locks) {
      problems.push_back("reading the locks: " + locks.error().message);
    } else {
      for (const auto& l : *locks)
        if (l.holder_run_id == run.id) held.push_back(l.name);
    }
    if (!held.empty()) {
      if (auto released = store_.release_locks(held, run.id); !released) {
        problems.push_back("releasing the locks of run " + run.id + ": " +
                           released.error().message + " (release them with `tcplan unlock " +
                           run.id + "`)");
      }
    }
  }
  if (!journal.record(audit::EventKind::kRunFinished, {},
                      {{"status", std::string(to_string(status))}})) {
    problems.push_back("recording the end of the run: " + journal.failure());
  }
  if (auto released = run.lease->release(); !released) {
    problems.push_back("releasing the run's lease: " + released.error().message);
  }
  if (auto sealed = store_.seal(run.id, key_); !sealed) {
    problems.push_back("sealing run " + run.id + ": " + sealed.error().message);
  }
  for (const auto& p : problems)
    outcome.message += (outcome.message.empty() ? "" : "\n") + std::string("warning: ") + p;
  if (!problems.empty() && outcome.code == kExitOk) outcome.code = kExitFailed;
  return outcome;
}

}  // namespace tcplan::executor
