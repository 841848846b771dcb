// `tcplan runs`, `tcplan status RUN` and `tcplan unlock RUN`: the operator's view of runs,
// rebuilt from the audit trail (audit/projection.h), whether a live process drives each one
// (its lease: executor/lease.h), and the deliberate release of the cluster locks a killed run
// left behind. Reads are recorded as trail reads; an unlock is a forced lock_released event,
// so the trail shows who broke whose lock.
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audit/event_store.h"
#include "audit/projection.h"
#include "base/duration.h"
#include "base/time.h"
#include "cli/command.h"
#include "cli/trail.h"
#include "executor/lease.h"
#include "planner/plan.h"
#include "planner/window_fit.h"

namespace tcplan::cli {
namespace {

namespace au = tcplan::audit;
namespace json = boost::json;

// The dry run's reads are recorded under a pseudo-step; it is not a plan step.
std::vector<const au::StepState*> plan_steps(const au::RunState& run) {
  std::vector<const au::StepState*> steps;
  for (const auto& s : run.steps) {
    if (s.step_id != planner::kPreviewStepId) steps.push_back(&s);
  }
  return steps;
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string duration_text(std::int64_t from_ms, std::int64_t to_ms) {
  if (from_ms == 0 || to_ms < from_ms) return "-";
  return base::format_duration(std::chrono::milliseconds((to_ms - from_ms) / 100 * 100));
}

std::string joined(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values)
    out += (out.empty() ? "" : ",") + v;
  return out.empty() ? "-" : out;
}

// A run with no run_finished event is still going while its lease's owner lives, and was
// killed otherwise. A trail from before leases cannot tell: say both.
struct Liveness {
  std::string status;  // "running" | "interrupted" | what run_finished recorded
  std::string text;    // for the table
  std::string driver;  // "pid P on host H" while running
  bool killed = false;
};

Liveness liveness(const au::RunState& run, const std::map<std::string, au::Lease>& leases) {
  Liveness l{run.status, run.status, {}, false};
  if (run.status != "running") return l;
  auto lease = leases.find(run.run_id);
  if (lease == leases.end()) {
    l.text = "running or killed";
    return l;
  }
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  if (executor::lease_alive(lease->second, now)) {
    l.driver =
        "pid " + std::to_string(lease->second.owner.pid) + " on host " + lease->second.owner.host;
    l.text = "running";
    return l;
  }
  l.status = "interrupted";
  l.text = "interrupted (killed)";
  l.killed = true;
  return l;
}

std::map<std::string, au::Lease> leases_by_run(const au::EventStore& store) {
  std::map<std::string, au::Lease> out;
  if (auto leases = store.leases()) {
    for (auto& l : *leases)
      out.emplace(l.run_id, std::move(l));
  }
  return out;
}

std::string plan_of(const std::vector<au::Event>& events) {
  for (const auto& e : events) {
    if (e.kind != au::EventKind::kRunStarted) continue;
    boost::system::error_code ec;
    json::value v = json::parse(e.payload, ec);
    if (!ec && v.is_object()) {
      if (const auto* p = v.as_object().if_contains("plan"); p && p->is_string())
        return std::string(p->as_string());
    }
  }
  return {};
}

std::vector<au::LockInfo> locks_of(const au::EventStore& store, const std::string& run_id) {
  std::vector<au::LockInfo> held;
  auto locks = store.locks();
  if (!locks) return held;
  for (auto& l : *locks) {
    if (l.holder_run_id == run_id) held.push_back(std::move(l));
  }
  return held;
}

int run_runs(const GlobalOptions& g) {
  auto store = open_existing_trail(g.audit_db);
  if (!store) return fail(store.error().message);
  auto runs = au::load_runs(**store);
  if (!runs) return fail(runs.error().message);
  // One read of the lock and lease tables for the whole listing, not one per run.
  const auto leases = leases_by_run(**store);
  std::map<std::string, std::size_t> locks_held;
  if (auto locks = (*store)->locks()) {
    for (const auto& l : *locks)
      ++locks_held[l.holder_run_id];
  }
  if (g.output == "json") {
    json::array out;
    for (const auto& r : *runs) {
      auto steps = plan_steps(r);
      std::size_t done = 0;
      for (const auto* s : steps)
        done += s->status == "succeeded" ? 1 : 0;
      const Liveness live = liveness(r, leases);
      json::object o{{"run_id", r.run_id},
                     {"status", live.status},
                     {"started_ms", r.started_ms},
                     {"finished_ms", r.finished_ms},
                     {"operator", r.operator_user + "@" + r.operator_host},
                     {"steps", steps.size()},
                     {"steps_succeeded", done},
                     {"locks", locks_held[r.run_id]}};
      if (live.killed) o["killed"] = true;
      if (!live.driver.empty()) o["driver"] = live.driver;
      out.push_back(std::move(o));
    }
    std::printf("%s\n", json::serialize(out).c_str());
  } else if (runs->empty()) {
    std::printf("no runs in %s\n", g.audit_db.c_str());
  } else {
    std::printf("%s %s %s %s %s %s\n", pad("RUN", 45).c_str(), pad("STATUS", 22).c_str(),
                pad("STARTED", 24).c_str(), pad("DURATION", 9).c_str(), pad("STEPS", 7).c_str(),
                "OPERATOR");
    for (const auto& r : *runs) {
      auto all = plan_steps(r);
      std::size_t done = 0;
      for (const auto* s : all)
        done += s->status == "succeeded" ? 1 : 0;
      std::string steps = std::to_string(done) + "/" + std::to_string(all.size());
      std::string status = liveness(r, leases).text;
      if (locks_held[r.run_id] > 0) status += " *";
      std::printf("%s %s %s %s %s %s@%s\n", pad(r.run_id, 45).c_str(), pad(status, 22).c_str(),
                  pad(base::format_utc_ms(r.started_ms), 24).c_str(),
                  pad(duration_text(r.started_ms, r.finished_ms), 9).c_str(), pad(steps, 7).c_str(),
                  r.operator_user.c_str(), r.operator_host.c_str());
    }
    std::printf("(* holds cluster locks: `tcplan status RUN` names them)\n");
  }
  record_trail_access(**store, au::EventKind::kTrailRead, "", {{"command", "runs"}});
  return kExitOk;
}

// What the dry run predicted for a step (cloud time), from the run's preview_digest event.
std::optional<std::int64_t> predicted_ms(const au::RunState& run, const std::string& step) {
  if (!run.preview.is_object()) return std::nullopt;
  const auto* steps = run.preview.as_object().if_contains("steps");
  if (!steps || !steps->is_array()) return std::nullopt;
  for (const auto& s : steps->as_array()) {
    if (!s.is_object()) continue;
    const auto* id = s.as_object().if_contains("id");
    const auto* d = s.as_object().if_contains("duration");
    if (!id || !id->is_string() || id->as_string() != step || !d || !d->is_object()) continue;
    const auto* ms = d->as_object().if_contains("predicted_ms");
    if (ms && ms->is_number()) return ms->to_number<std::int64_t>();
  }
  return std::nullopt;
}

// How long a step took in the target's time (a rehearsal's wall time times its time scale).
std::optional<std::int64_t> actual_ms(const au::RunState& run, const au::StepState& s) {
  if (s.started_ms == 0 || s.finished_ms < s.started_ms) return std::nullopt;
  return static_cast<std::int64_t>(static_cast<double>(s.finished_ms - s.started_ms) *
                                   run.time_scale);
}

std::string approval_text(const json::object& a) {
  auto text = [&](const char* key) {
    const auto* v = a.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  if (text("by") == "approval") {
    return text("approver") + " (key " + text("approver_fingerprint") +
           (text("ticket").empty() ? "" : ", ticket " + text("ticket")) + ", expires " +
           text("expires_at") + ")";
  }
  return text("user") + " (" + text("by") + ")";
}

json::object step_json(const au::StepState& s) {
  json::array resources, flows;
  for (const auto& r : s.resource_ids)
    resources.push_back(json::value(r));
  for (const auto& f : s.flow_ids)
    flows.push_back(json::value(f));
  std::size_t in_flight = 0;
  for (const auto& c : s.calls)
    in_flight += c.in_flight() ? 1 : 0;
  return {
      {"step", s.step_id},          {"status", s.status},          {"attempts", s.attempts},
      {"retries", s.retries},       {"started_ms", s.started_ms},  {"finished_ms", s.finished_ms},
      {"resource_ids", resources},  {"flow_ids", flows},           {"wait_state", s.wait_state},
      {"last_error", s.last_error}, {"calls_in_flight", in_flight}};
}

int run_status(const GlobalOptions& g, const std::string& run_id) {
  auto store = open_existing_trail(g.audit_db);
  if (!store) return fail(store.error().message);
  auto events = (*store)->run_events(run_id);
  if (!events) return fail(events.error().message);
  if (events->empty())
    return fail("no run " + run_id + " in " + g.audit_db + " (see `tcplan runs`)");
  au::RunState run = au::project_run(*events);
  const Liveness live = liveness(run, leases_by_run(**store));
  std::vector<au::LockInfo> locks = locks_of(**store, run_id);
  std::string plan = plan_of(*events);

  if (g.output == "json") {
    json::array steps, held, approvals;
    for (const auto* s : plan_steps(run)) {
      json::object o = step_json(*s);
      auto p = predicted_ms(run, s->step_id);
      auto a = actual_ms(run, *s);
      o["predicted_ms"] = p ? json::value(*p) : json::value(nullptr);
      o["actual_ms"] = a ? json::value(*a) : json::value(nullptr);
      steps.push_back(std::move(o));
    }
    for (const auto& a : run.approvals)
      approvals.push_back(a);
    for (const auto& l : locks)
      held.push_back(json::value(l.name));
    json::object out{{"run_id", run.run_id},
                     {"status", live.status},
                     {"plan", plan},
                     {"started_ms", run.started_ms},
                     {"finished_ms", run.finished_ms},
                     {"operator", run.operator_user + "@" + run.operator_host},
                     {"sealed", run.sealed},
                     {"locks", held},
                     {"time_scale", run.time_scale},
                     {"approvals", approvals},
                     {"steps", steps}};
    if (live.killed) out["killed"] = true;
    if (!live.driver.empty()) out["driver"] = live.driver;
    std::printf("%s\n", json::serialize(out).c_str());
    record_trail_access(**store, au::EventKind::kTrailRead, run_id, {{"command", "status"}});
    return kExitOk;
  }

  std::printf("run %s: %s (plan %s, %s@%s)\n", run.run_id.c_str(),
              (live.text + (live.driver.empty() ? "" : ", driven by " + live.driver)).c_str(),
              plan.empty() ? "-" : plan.c_str(), run.operator_user.c_str(),
              run.operator_host.c_str());
  std::printf("started %s, %s%s\n", base::format_utc_ms(run.started_ms).c_str(),
              run.finished_ms ? ("finished " + base::format_utc_ms(run.finished_ms)).c_str()
                              : "not finished",
              run.sealed ? ", sealed" : "");
  if (!run.refusal.empty()) std::printf("refused: %s\n", run.refusal.c_str());
  for (const auto& a : run.approvals)
    std::printf("approved by %s\n", approval_text(a).c_str());
  std::printf("\n%s %s %s %s %s %s %s\n", pad("STEP", 24).c_str(), pad("STATE", 12).c_str(),
              pad("ATTEMPTS", 8).c_str(), pad("DURATION", 9).c_str(), pad("PREDICTED", 9).c_str(),
              pad("RESOURCES", 28).c_str(), "FLOWS");
  for (const auto* step : plan_steps(run)) {
    const au::StepState& s = *step;
    std::string state = s.status;
    for (const auto& c : s.calls) {
      if (c.in_flight()) state = "in flight";
    }
    const auto actual = actual_ms(run, s);
    const auto predicted = predicted_ms(run, s.step_id);
    std::printf(
        "%s %s %s %s %s %s %s\n", pad(s.step_id, 24).c_str(), pad(state, 12).c_str(),
        pad(std::to_string(s.attempts), 8).c_str(),
        pad(actual ? base::format_duration(std::chrono::milliseconds(*actual / 1000 * 1000)) : "-",
            9)
            .c_str(),
        pad(predicted ? planner::short_duration(std::chrono::milliseconds{*predicted}, true) : "-",
            9)
            .c_str(),
        pad(joined(s.resource_ids), 28).c_str(), joined(s.flow_ids).c_str());
    if (!s.wait_state.empty() && s.status != "succeeded")
      std::printf("    last seen: %s\n", s.wait_state.c_str());
    if (!s.last_error.empty()) std::printf("    error: %s\n", s.last_error.c_str());
  }
  if (run.time_scale != 1.0) {
    std::printf("(durations in the target's time: time scale %g)\n", run.time_scale);
  }
  for (const auto& l : locks) {
    std::printf("holds lock %s since %s\n", l.name.c_str(),
                base::format_utc_ms(l.acquired_ms).c_str());
  }
  if (live.status == "interrupted" || (live.status == "running" && live.driver.empty())) {
    std::printf("\nresume: tcplan apply %s --resume %s\n", plan.empty() ? "PLAN" : plan.c_str(),
                run_id.c_str());
    if (!locks.empty())
      std::printf("or, if this run is abandoned: tcplan unlock %s\n", run_id.c_str());
  }
  record_trail_access(**store, au::EventKind::kTrailRead, run_id, {{"command", "status"}});
  return kExitOk;
}

int run_unlock(const GlobalOptions& g, const std::string& run_id) {
  auto store = open_existing_trail(g.audit_db);
  if (!store) return fail(store.error().message);
  std::vector<au::LockInfo> locks = locks_of(**store, run_id);
  if (locks.empty()) return fail("run " + run_id + " holds no locks (see `tcplan runs`)");
  int rc = kExitOk;
  for (const auto& l : locks) {
    auto released = (*store)->release_lock(l.name, run_id, /*force=*/true);
    if (!released) {
      std::fprintf(stderr, "error: %s: %s\n", l.name.c_str(), released.error().message.c_str());
      rc = kExitFailed;
      continue;
    }
    std::printf("released %s (held by %s since %s; recorded as event #%lld)\n", l.name.c_str(),
                run_id.c_str(), base::format_utc_ms(l.acquired_ms).c_str(),
                static_cast<long long>(released->seq));
  }
  return rc;
}

}  // namespace

void add_runs_command(CLI::App& app, const GlobalOptions& global, CommandFn& run) {
  CLI::App* runs = app.add_subcommand("runs", "List the runs in the audit trail with their state");
  runs->callback([&run, &global] { run = [&global] { return run_runs(global); }; });

  auto status_run = std::make_shared<std::string>();
  CLI::App* status = app.add_subcommand(
      "status", "Show a run's steps: state, attempts, resource ids, FlowIds, timings, locks");
  status->add_option("RUN", *status_run, "Run id (the `run:` line of `tcplan apply`)")->required();
  status->callback([&run, &global, status_run] {
    run = [&global, status_run] { return run_status(global, *status_run); };
  });

  auto unlock_run = std::make_shared<std::string>();
  CLI::App* unlock = app.add_subcommand(
      "unlock",
      "Release the cluster locks of a killed run you will not resume (recorded as forced)");
  unlock->add_option("RUN", *unlock_run, "Run id holding the locks")->required();
  unlock->callback([&run, &global, unlock_run] {
    run = [&global, unlock_run] { return run_unlock(global, *unlock_run); };
  });
}

}  // namespace tcplan::cli
