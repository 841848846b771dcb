// The end of a run, per [[groups]] pipeline: which items succeeded, failed, were interrupted
// or never started, and why a group started no more items (its canary failed, or more items
// failed than max_failures allows). Read by summary.cc for the closing table and JSON.
#include <boost/json/serialize.hpp>

#include "executor/runner_internal.h"

namespace tcplan::executor {

std::string Runner::group_stop_text(std::size_t g) const {
  const planner::Group& group = plan_.groups[g];
  const std::size_t failed = schedule_->group_failures(g);
  switch (schedule_->group_stop(g)) {
    case GroupStop::kCanaryFailed:
      return "group '" + group.id + "' started no more items: a canary item failed (canary = " +
             std::to_string(group.canary) + ")";
    case GroupStop::kMaxFailures:
      return "group '" + group.id + "' started no more items: " + std::to_string(failed) +
             " items failed, more than max_failures = " +
             std::to_string(schedule_->groups()[g].max_failures) +
             (group.max_failures_percent ? " (" + std::to_string(group.max_failures) + "% of " +
                                               std::to_string(group_values_[g].size()) + ")"
                                         : std::string());
    case GroupStop::kNone:
      break;
  }
  return {};
}

std::vector<GroupReport> Runner::group_reports() const {
  std::vector<GroupReport> out;
  for (std::size_t g = 0; g < schedule_->groups().size(); ++g) {
    const ScheduleGroup& sg = schedule_->groups()[g];
    GroupReport r;
    r.id = sg.id;
    r.stopped = group_stop_text(g);
    for (std::size_t i = 0; i < sg.items; ++i) {
      const json::value& v = group_values_[g][i];
      GroupItemReport ir;
      ir.item = v.is_string() ? std::string(v.as_string()) : json::serialize(v);
      // The first of the item's steps that did not succeed says where it stopped.
      for (std::size_t node : sg.nodes) {
        const ItemReport& step = items_[node][i]->report;
        if (step.status == ItemState::kSucceeded) continue;
        ir.step = plan_.steps[node].id;
        ir.detail = step.detail.empty() ? step.explanation : step.detail;
        break;
      }
      switch (schedule_->group_item(g, i)) {
        case GroupItemState::kSucceeded:
          ir.status = ItemState::kSucceeded;
          ++r.succeeded;
          break;
        case GroupItemState::kFailed:
          ir.status = ItemState::kFailed;
          ++r.failed;
          break;
        case GroupItemState::kInterrupted:
        case GroupItemState::kInFlight:
          ir.status = ItemState::kInterrupted;
          ++r.interrupted;
          break;
        case GroupItemState::kHeld:
        case GroupItemState::kSkipped:
        case GroupItemState::kPending:
          ir.status = ItemState::kSkipped;
          ++r.not_started;
          break;
      }
      r.items.push_back(std::move(ir));
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace tcplan::executor
