// A run's steps as the operator should read them, from its projection (audit/projection.h):
// every step of the plan (the preview_digest lists them, so steps that never started are
// there too, as "pending"), never the dry run's pseudo-step, and a step the trail left
// "running" in a run that is over (interrupted, killed) shown as "interrupted".
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "audit/event_store.h"
#include "audit/projection.h"

namespace tcplan::cli {

struct StepView {
  std::string step_id;
  std::string status;                       // pending | running | interrupted | succeeded | ...
  const audit::StepState* state = nullptr;  // null for a step that never started
};

// `run_status` is the run's status as `runs`/`status` tell it (a dead lease makes a "running"
// run "interrupted").
std::vector<StepView> step_views(const audit::RunState& run, const std::string& run_status);

// A run with no run_finished event is still going while its lease's owner lives, and was
// killed otherwise. A trail from before leases cannot tell: say both.
struct Liveness {
  std::string status;  // "running" | "interrupted" | what run_finished recorded
  std::string text;    // for the table
  std::string driver;  // "pid P on host H" while running
  bool killed = false;
};
// `now_ms` is the store's clock (EventStore::now_ms): a team store's heartbeats are on the
// server's.
Liveness liveness(const audit::RunState& run, const std::map<std::string, audit::Lease>& leases,
                  std::int64_t now_ms);
std::map<std::string, audit::Lease> leases_by_run(const audit::EventStore& store);

// The cluster locks `run_id` holds.
std::vector<audit::LockInfo> locks_of(const audit::EventStore& store, const std::string& run_id);

// "-" for an unset time, else ISO 8601 (base/time.h); JSON gets null instead of "-".
std::string time_text(std::int64_t ms);
// How long from..to took (base::format_elapsed), "-" when it has not ended.
std::string elapsed_text(std::int64_t from_ms, std::int64_t to_ms);

// What the dry run predicted for a step (cloud time, ms), from the run's preview_digest event.
std::optional<std::int64_t> predicted_ms(const audit::RunState& run, const std::string& step);
// How long a step took in the target's time: a rehearsal's wall time times its time scale, so
// that it compares with the prediction.
std::optional<std::int64_t> actual_ms(const audit::RunState& run, const audit::StepState& step);

// "alice (key 1a2b..., ticket CHG-1234, expires ...)" for an approved event by someone else's
// signed approval, "bob (prompt)" for the applier's own.
std::string approval_text(const boost::json::object& approved);

// How the table says a status ("not started" for pending).
std::string step_status_text(const std::string& status);

}  // namespace tcplan::cli
