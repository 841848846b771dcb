// Resume: rebuilds what an earlier process of a run did from the audit trail alone — which
// step items finished (with their outputs), which started and with what request, which had a
// call in flight when the process died — so the Runner can skip, reconcile and continue.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "audit/event_store.h"
#include "base/result.h"
#include "executor/runner.h"
#include "planner/fleet_query.h"

namespace tcplan::executor {

struct ResumeState {
  std::map<std::pair<std::string, int>, ResumedItem> items;  // (step id, item index or -1)
  std::string plan_sha256;  // of the plan file the run started with
  std::string plan_file;
  // As run_finished recorded it; nullopt while the run never finished (running, or killed).
  std::optional<RunStatus> status;
  bool sent_change = false;  // an earlier process sent (or may have sent) a mutating request
  // The clusters the run's first dry run chose for its for_each queries (preview_digest).
  planner::Fleets fleets;
  bool fleets_pinned = false;
};

ResumeState resume_state(const std::vector<audit::Event>& events);
base::Result<ResumeState> load_resume_state(const audit::EventStore& store,
                                            const std::string& run_id);

}  // namespace tcplan::executor
