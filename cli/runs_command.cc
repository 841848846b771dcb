// `tcplan runs` and `tcplan unlock RUN`: the list of runs, rebuilt from the audit trail
// (audit/projection.h, cli/run_view.h), whether a live process drives each one (its lease:
// executor/lease.h), and the deliberate release of the cluster locks a killed run left behind.
// Reads are recorded as trail reads; an unlock is a forced lock_released event, so the trail
// shows who broke whose lock. `tcplan status RUN` is status_command.cc.
#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "audit/event_store.h"
#include "audit/projection.h"
#include "base/time.h"
#include "cli/command.h"
#include "cli/output_json.h"
#include "cli/run_view.h"
#include "cli/table.h"
#include "cli/trail.h"

namespace tcplan::cli {
namespace {

namespace au = tcplan::audit;
namespace json = boost::json;

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
  json::array out;
  Table table({"RUN", "PLAN", "STATUS", "STARTED", "DURATION", "STEPS", "OPERATOR"});
  bool any_lock = false;
  for (const auto& r : *runs) {
    const Liveness live = liveness(r, leases);
    const auto steps = step_views(r, live.status);
    std::size_t done = 0;
    for (const auto& s : steps)
      done += s.status == "succeeded" ? 1 : 0;
    if (g.output == "json") {
      json::object o{{"run_id", r.run_id},
                     {"plan", r.plan_file},
                     {"status", live.status},
                     {"started", iso_time(r.started_ms)},
                     {"finished", iso_time(r.finished_ms)},
                     {"operator", r.operator_user + "@" + r.operator_host},
                     {"steps", steps.size()},
                     {"steps_succeeded", done},
                     {"locks", locks_held[r.run_id]}};
      if (live.killed) o["killed"] = true;
      if (!live.driver.empty()) o["driver"] = live.driver;
      out.push_back(std::move(o));
      continue;
    }
    std::string status = live.text;
    if (locks_held[r.run_id] > 0) {
      status += " *";
      any_lock = true;
    }
    const std::string plan = std::filesystem::path(r.plan_file).filename().string();
    table.add_row({r.run_id, plan.empty() ? "-" : plan, Cell(status, status_colour(live.text)),
                   time_text(r.started_ms), elapsed_text(r.started_ms, r.finished_ms),
                   std::to_string(done) + "/" + std::to_string(steps.size()),
                   r.operator_user + "@" + r.operator_host});
  }
  if (g.output == "json") {
    print_json(out);
  } else if (runs->empty()) {
    std::printf("no runs in %s\n", g.audit_db.c_str());
  } else {
    std::fputs(table.render(colour_enabled(stdout)).c_str(), stdout);
    if (any_lock) std::printf("(* holds cluster locks: `tcplan status RUN` names them)\n");
  }
  record_trail_access(**store, au::EventKind::kTrailRead, "", {{"command", "runs"}});
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

  add_status_command(app, global, run);

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
