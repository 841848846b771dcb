// `tcplan status RUN`: one run's steps as the trail tells them (cli/run_view.h: every plan step,
// those that never started as "not started", open steps of a finished run as "interrupted"),
// each with its duration against the dry run's prediction, who approved it, its locks, and
// for an unfinished run the command that resumes it with the same trail.
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audit/event_store.h"
#include "audit/projection.h"
#include "base/duration.h"
#include "base/time.h"
#include "cli/command.h"
#include "cli/output_json.h"
#include "cli/resume_hint.h"
#include "cli/run_view.h"
#include "cli/table.h"
#include "cli/trail.h"

namespace tcplan::cli {
namespace {

namespace au = tcplan::audit;
namespace json = boost::json;

std::string joined(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values)
    out += (out.empty() ? "" : ",") + v;
  return out.empty() ? "-" : out;
}

json::object step_json(const StepView& v) {
  json::object o{{"step", v.step_id}, {"status", v.status}};
  const au::StepState* s = v.state;
  json::array resources, flows;
  std::size_t in_flight = 0;
  if (s != nullptr) {
    for (const auto& r : s->resource_ids)
      resources.push_back(json::value(r));
    for (const auto& f : s->flow_ids)
      flows.push_back(json::value(f));
    for (const auto& c : s->calls)
      in_flight += c.in_flight() ? 1 : 0;
  }
  o["attempts"] = s ? s->attempts : 0;
  o["retries"] = s ? s->retries : 0;
  o["started"] = iso_time(s ? s->started_ms : 0);
  o["finished"] = iso_time(s ? s->finished_ms : 0);
  o["resource_ids"] = std::move(resources);
  o["flow_ids"] = std::move(flows);
  o["wait_state"] = s ? s->wait_state : "";
  o["last_error"] = s ? s->last_error : "";
  o["calls_in_flight"] = in_flight;
  return o;
}

json::value ms_or_null(std::optional<std::int64_t> ms) {
  return ms ? json::value(*ms) : json::value(nullptr);
}

int run_status(const GlobalOptions& g, const std::string& run_id) {
  auto store = open_existing_trail(g.audit_db);
  if (!store) return fail(store.error().message);
  auto events = (*store)->run_events(run_id);
  if (!events) return fail(events.error().message);
  if (events->empty())
    return fail("no run " + run_id + " in " + (*store)->describe() + " (see `tcplan runs`)");
  au::RunState run = au::project_run(*events);
  const Liveness live = liveness(run, leases_by_run(**store), (*store)->now_ms());
  std::vector<au::LockInfo> locks = locks_of(**store, run_id);
  const std::vector<StepView> steps = step_views(run, live.status);
  record_trail_access(**store, au::EventKind::kTrailRead, run_id, {{"command", "status"}});

  if (g.output == "json") {
    json::array step_list, held, approvals;
    for (const auto& s : steps) {
      json::object o = step_json(s);
      o["predicted_ms"] = ms_or_null(predicted_ms(run, s.step_id));
      o["actual_ms"] = ms_or_null(s.state ? actual_ms(run, *s.state) : std::nullopt);
      step_list.push_back(std::move(o));
    }
    for (const auto& a : run.approvals)
      approvals.push_back(a);
    for (const auto& l : locks)
      held.push_back(json::value(l.name));
    json::object out{{"schema", "tcplan.status/1"},
                     {"run_id", run.run_id},
                     {"status", live.status},
                     {"plan", run.plan_file},
                     {"started", iso_time(run.started_ms)},
                     {"finished", iso_time(run.finished_ms)},
                     {"operator", run.operator_user + "@" + run.operator_host},
                     {"sealed", run.sealed},
                     {"locks", held},
                     {"time_scale", run.time_scale},
                     {"approvals", approvals},
                     {"steps", step_list}};
    if (live.killed) out["killed"] = true;
    if (!live.driver.empty()) out["driver"] = live.driver;
    print_json(out);
    return kExitOk;
  }

  const bool colour = colour_enabled(stdout);
  std::printf("run %s: %s (plan %s, %s@%s)\n", run.run_id.c_str(),
              (colour ? paint(live.text, status_colour(live.text)) : live.text).c_str(),
              run.plan_file.empty() ? "-" : run.plan_file.c_str(), run.operator_user.c_str(),
              run.operator_host.c_str());
  if (!live.driver.empty()) std::printf("driven by %s\n", live.driver.c_str());
  std::printf("started %s, %s%s\n", time_text(run.started_ms).c_str(),
              run.finished_ms ? ("finished " + time_text(run.finished_ms)).c_str() : "not finished",
              run.sealed ? ", sealed" : "");
  if (!run.refusal.empty()) std::printf("refused: %s\n", run.refusal.c_str());
  for (const auto& a : run.approvals)
    std::printf("approved by %s\n", approval_text(a).c_str());
  Table table({"STEP", "STATE", "ATTEMPTS", "DURATION", "PREDICTED", "RESOURCES", "FLOWS"});
  std::vector<std::string> notes;
  for (const auto& v : steps) {
    std::string state = step_status_text(v.status);
    const au::StepState* s = v.state;
    if (s != nullptr && s->in_flight()) state = "in flight";
    const auto actual = s ? actual_ms(run, *s) : std::nullopt;
    const auto predicted = predicted_ms(run, v.step_id);
    table.add_row(
        {v.step_id, Cell(state, status_colour(state)), s ? std::to_string(s->attempts) : "0",
         actual ? base::format_elapsed(std::chrono::milliseconds(*actual)) : "-",
         predicted ? base::format_elapsed(std::chrono::milliseconds(*predicted), true) : "-",
         s ? joined(s->resource_ids) : "-", s ? joined(s->flow_ids) : "-"});
    if (s != nullptr && !s->wait_state.empty() && v.status != "succeeded")
      notes.push_back(v.step_id + " last seen: " + s->wait_state);
    if (s != nullptr && !s->last_error.empty())
      notes.push_back(v.step_id + " error: " + s->last_error);
  }
  std::printf("\n%s", table.render(colour).c_str());
  for (const auto& n : notes)
    std::printf("  %s\n", n.c_str());
  if (run.time_scale != 1.0)
    std::printf("(durations in the target's time: time scale %g)\n", run.time_scale);
  for (const auto& l : locks)
    std::printf("holds lock %s since %s\n", l.name.c_str(), time_text(l.acquired_ms).c_str());
  if (live.status == "interrupted" || (live.status == "running" && live.driver.empty())) {
    std::printf("\nresume: %s\n",
                resume_command(run.plan_file.empty() ? "PLAN" : run.plan_file, run_id, g).c_str());
    if (!locks.empty())
      std::printf("or, if this run is abandoned: tcplan unlock %s\n", run_id.c_str());
  }
  return kExitOk;
}

}  // namespace

void add_status_command(CLI::App& app, const GlobalOptions& global, CommandFn& run) {
  auto status_run = std::make_shared<std::string>();
  CLI::App* status = app.add_subcommand(
      "status", "Show a run's steps: state, attempts, resource ids, FlowIds, timings, locks");
  status->add_option("RUN", *status_run, "Run id (the `run:` line of `tcplan apply`)")->required();
  status->callback([&run, &global, status_run] {
    run = [&global, status_run] { return run_status(global, *status_run); };
  });
}

}  // namespace tcplan::cli
