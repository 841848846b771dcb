#include "executor/schedule.h"

#include <algorithm>
#include <cassert>

namespace tcplan::executor {

Schedule::Schedule(std::vector<ScheduleNode> nodes, std::size_t max_parallel)
    : Schedule(std::move(nodes), {}, max_parallel) {}

Schedule::Schedule(std::vector<ScheduleNode> nodes, std::vector<ScheduleGroup> groups,
                   std::size_t max_parallel)
    : nodes_(std::move(nodes)),
      state_(nodes_.size()),
      groups_(std::move(groups)),
      gstate_(groups_.size()),
      group_of_(nodes_.size(), -1),
      pos_(nodes_.size(), 0),
      max_parallel_(max_parallel) {
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    for (std::size_t k = 0; k < groups_[g].nodes.size(); ++k) {
      const std::size_t n = groups_[g].nodes[k];
      group_of_[n] = static_cast<int>(g);
      pos_[n] = k;
      nodes_[n].items = groups_[g].items;
      nodes_[n].deps.clear();  // the group's deps gate its items; its nodes follow per item
    }
    gstate_[g].items.assign(groups_[g].items, GroupItemState::kPending);
    gstate_[g].pending = groups_[g].items;
  }
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    // A for_each over an empty list is a step with nothing to do: it succeeds at once.
    state_[i].items.assign(nodes_[i].items, ItemState::kPending);
    if (nodes_[i].items == 0 && group_of_[i] < 0) completion_order_.push_back(i);
  }
  for (std::size_t g = 0; g < groups_.size(); ++g)
    check_group_complete(g);
}

bool Schedule::all_succeeded(const std::vector<std::size_t>& deps) const {
  for (std::size_t d : deps) {
    if (step_state(d) != ItemState::kSucceeded) return false;
  }
  return true;
}

bool Schedule::any_blocked(const std::vector<std::size_t>& deps) const {
  for (std::size_t d : deps) {
    ItemState s = step_state(d);
    if (s == ItemState::kFailed || s == ItemState::kSkipped) return true;
  }
  return false;
}

bool Schedule::deps_succeeded(std::size_t node) const {
  return all_succeeded(nodes_[node].deps);
}

bool Schedule::deps_blocked(std::size_t node) const {
  return any_blocked(nodes_[node].deps);
}

void Schedule::start(WorkItem w, std::vector<WorkItem>& ready) {
  NodeState& ns = state_[w.node];
  ns.items[w.item] = ItemState::kRunning;
  ++ns.running;
  ++running_;
  ready.push_back(w);
}

std::vector<WorkItem> Schedule::take_ready() {
  std::vector<WorkItem> ready;
  if (interrupted_) return ready;
  if (stopping_) {
    // Nothing new starts; only the items in flight of a group that stopped go on to their
    // next steps (they finish and count, as the failure threshold promises).
    for (std::size_t g = 0; g < groups_.size(); ++g) {
      if (gstate_[g].stop != GroupStop::kNone && !take_group(g, ready)) break;
    }
    return ready;
  }
  for (std::size_t n = 0; n < nodes_.size(); ++n) {
    if (group_of_[n] >= 0) {
      // A group is handled once, at its first node.
      if (pos_[n] == 0 && !take_group(static_cast<std::size_t>(group_of_[n]), ready)) return ready;
      continue;
    }
    NodeState& ns = state_[n];
    if (ns.failed || ns.skip != SkipReason::kNone || !deps_succeeded(n)) continue;
    for (std::size_t i = 0; i < ns.items.size(); ++i) {
      if (at_cap()) return ready;
      if (nodes_[n].max_parallel != 0 && ns.running >= nodes_[n].max_parallel) break;
      if (ns.items[i] != ItemState::kPending) continue;
      start({n, i}, ready);
    }
  }
  return ready;
}

bool Schedule::take_group(std::size_t g, std::vector<WorkItem>& ready) {
  GroupState& gs = gstate_[g];
  const ScheduleGroup& group = groups_[g];
  if (gs.complete || gs.skip != SkipReason::kNone || !all_succeeded(group.deps)) return true;
  // Items already inside go on first: finishing what is started beats starting more.
  while (!gs.ready.empty()) {
    if (at_cap()) return false;
    const WorkItem w = gs.ready.front();
    gs.ready.pop_front();
    if (state_[w.node].items[w.item] == ItemState::kPending) start(w, ready);
  }
  const std::size_t canaries = std::min(group.canary, group.items);
  while (gs.stop == GroupStop::kNone && gs.next < group.items) {
    if (at_cap()) return false;
    if (group.max_parallel != 0 && gs.in_flight >= group.max_parallel) break;
    const std::size_t i = gs.next;
    if (gs.items[i] != GroupItemState::kPending) {
      ++gs.next;
      continue;
    }
    if (i >= canaries && gs.canary_ok < canaries) break;  // the canaries are not through yet
    gs.items[i] = GroupItemState::kInFlight;
    --gs.pending;
    ++gs.in_flight;
    ++gs.next;
    start({group.nodes.front(), i}, ready);
  }
  return true;
}

void Schedule::finished(WorkItem item, bool succeeded) {
  if (group_of_[item.node] >= 0) {
    group_finished(static_cast<std::size_t>(group_of_[item.node]), item, succeeded);
    return;
  }
  NodeState& ns = state_[item.node];
  assert(ns.items[item.item] == ItemState::kRunning);
  --ns.running;
  --running_;
  ns.items[item.item] = succeeded ? ItemState::kSucceeded : ItemState::kFailed;
  ++ns.done;
  if (!succeeded && !ns.failed) {
    ns.failed = true;
    switch (nodes_[item.node].on_failure) {
      case FailurePolicy::kStop:
        stopping_ = true;
        break;
      case FailurePolicy::kRollback:
        stopping_ = true;
        if (!rollback_trigger_) rollback_trigger_ = item.node;
        break;
      case FailurePolicy::kContinue:
        // Independent branches go on; dependents of this step are skipped.
        break;
    }
  }
  // A failed for_each item stops the step's remaining items from starting.
  if (ns.failed) {
    for (auto& s : ns.items) {
      if (s == ItemState::kPending) {
        s = ItemState::kSkipped;
        ++ns.done;
      }
    }
  }
  if (ns.done == ns.items.size()) on_node_complete(item.node);
  propagate_skips();
}

void Schedule::group_finished(std::size_t g, WorkItem w, bool succeeded) {
  NodeState& ns = state_[w.node];
  assert(ns.items[w.item] == ItemState::kRunning);
  --ns.running;
  --running_;
  ns.items[w.item] = succeeded ? ItemState::kSucceeded : ItemState::kFailed;
  ++ns.done;
  const auto& nodes = groups_[g].nodes;
  const std::size_t k = pos_[w.node];
  if (succeeded && k + 1 < nodes.size()) {
    gstate_[g].ready.push_back({nodes[k + 1], w.item});
  } else {
    if (!succeeded) {
      // The item's later steps never run.
      for (std::size_t j = k + 1; j < nodes.size(); ++j) {
        ItemState& s = state_[nodes[j]].items[w.item];
        if (s == ItemState::kPending) {
          s = ItemState::kSkipped;
          ++state_[nodes[j]].done;
        }
      }
    }
    item_done(g, w.item, succeeded ? GroupItemState::kSucceeded : GroupItemState::kFailed);
  }
  check_group_complete(g);
  propagate_skips();
}

void Schedule::item_done(std::size_t g, std::size_t item, GroupItemState outcome) {
  GroupState& gs = gstate_[g];
  const ScheduleGroup& group = groups_[g];
  gs.items[item] = outcome;
  --gs.in_flight;
  if (outcome == GroupItemState::kSucceeded && item < group.canary) ++gs.canary_ok;
  if (outcome != GroupItemState::kFailed) return;
  ++gs.failed;
  if (gs.stop != GroupStop::kNone) return;
  // AWS SSM's MaxErrors rule: N failures are tolerated, the N+1th stops new items; items
  // already in flight finish (and may fail too). A canary's failure stops the rollout.
  if (item < group.canary) {
    gs.stop = GroupStop::kCanaryFailed;
  } else if (gs.failed > group.max_failures) {
    gs.stop = GroupStop::kMaxFailures;
  } else {
    return;
  }
  // The rest of the run starts nothing new either (unless the group says continue); this
  // group's own items in flight still finish.
  if (group.on_failure != FailurePolicy::kContinue) stopping_ = true;
  for (std::size_t i = 0; i < gs.items.size(); ++i) {
    if (gs.items[i] != GroupItemState::kPending) continue;
    gs.items[i] = GroupItemState::kHeld;
    --gs.pending;
    for (std::size_t n : group.nodes) {
      state_[n].items[i] = ItemState::kSkipped;
      ++state_[n].done;
    }
  }
}

void Schedule::check_group_complete(std::size_t g) {
  GroupState& gs = gstate_[g];
  if (gs.complete || gs.in_flight > 0 || gs.pending > 0) return;
  gs.complete = true;
  if (gs.stop == GroupStop::kNone && gs.skip == SkipReason::kNone) {
    for (std::size_t n : groups_[g].nodes)
      completion_order_.push_back(n);
  }
}

void Schedule::sweep_group(std::size_t g) {
  GroupState& gs = gstate_[g];
  if (gs.complete) return;
  const ScheduleGroup& group = groups_[g];
  SkipReason reason = SkipReason::kNone;
  if (any_blocked(group.deps)) {
    reason = SkipReason::kDependencyFailed;
  } else if (stopping_ && gs.stop == GroupStop::kNone) {
    // Stopped by a failure elsewhere: its items in flight start no next step. A group that
    // stopped itself lets them finish.
    reason = SkipReason::kRunStopped;
  } else if (interrupted_) {
    reason = SkipReason::kInterrupted;
  }
  if (reason == SkipReason::kNone) return;
  const GroupItemState outcome =
      reason == SkipReason::kInterrupted ? GroupItemState::kInterrupted : GroupItemState::kSkipped;
  for (std::size_t i = 0; i < gs.items.size(); ++i) {
    const GroupItemState st = gs.items[i];
    if (st != GroupItemState::kPending && st != GroupItemState::kInFlight) continue;
    bool running = false;
    for (std::size_t n : group.nodes)
      running |= state_[n].items[i] == ItemState::kRunning;
    if (running) continue;  // it reports back through finished() or abandoned()
    for (std::size_t n : group.nodes) {
      if (state_[n].items[i] == ItemState::kPending) {
        state_[n].items[i] = ItemState::kSkipped;
        ++state_[n].done;
      }
    }
    gs.items[i] = outcome;
    if (st == GroupItemState::kPending) {
      --gs.pending;
    } else {
      --gs.in_flight;
    }
  }
  gs.ready.clear();
  if (gs.skip == SkipReason::kNone) gs.skip = reason;
  for (std::size_t n : group.nodes) {
    if (state_[n].skip == SkipReason::kNone) state_[n].skip = reason;
  }
  check_group_complete(g);
}

void Schedule::abandoned(WorkItem item) {
  NodeState& ns = state_[item.node];
  assert(ns.items[item.item] == ItemState::kRunning);
  --ns.running;
  --running_;
  ns.items[item.item] = ItemState::kSkipped;
  ns.skip = SkipReason::kInterrupted;
  ++ns.done;
  interrupted_ = true;
  if (group_of_[item.node] >= 0) {
    const auto g = static_cast<std::size_t>(group_of_[item.node]);
    for (std::size_t n : groups_[g].nodes) {
      if (state_[n].items[item.item] == ItemState::kPending) {
        state_[n].items[item.item] = ItemState::kSkipped;
        ++state_[n].done;
      }
    }
    item_done(g, item.item, GroupItemState::kInterrupted);
    check_group_complete(g);
  }
  propagate_skips();
}

void Schedule::restore(WorkItem item, bool succeeded) {
  NodeState& ns = state_[item.node];
  if (ns.items[item.item] != ItemState::kPending) return;
  if (group_of_[item.node] >= 0) {
    // An item an earlier process started is inside the group again, whatever the caps say.
    GroupState& gs = gstate_[static_cast<std::size_t>(group_of_[item.node])];
    if (gs.items[item.item] == GroupItemState::kPending) {
      gs.items[item.item] = GroupItemState::kInFlight;
      --gs.pending;
      ++gs.in_flight;
    }
    if (gs.items[item.item] != GroupItemState::kInFlight) return;
  }
  ns.items[item.item] = ItemState::kRunning;
  ++ns.running;
  ++running_;
  finished(item, succeeded);
}

void Schedule::on_node_complete(std::size_t node) {
  if (!state_[node].failed) completion_order_.push_back(node);
}

void Schedule::skip_node(std::size_t node, SkipReason reason) {
  NodeState& ns = state_[node];
  ns.skip = reason;
  for (auto& s : ns.items) {
    if (s == ItemState::kPending) {
      s = ItemState::kSkipped;
      ++ns.done;
    }
  }
}

void Schedule::propagate_skips() {
  // Steps are few (hundreds at most), so a fixed-point sweep is simpler than tracking
  // reverse edges and costs nothing measurable.
  bool changed = true;
  while (changed) {
    changed = false;
    for (std::size_t g = 0; g < groups_.size(); ++g) {
      const bool was = gstate_[g].complete;
      sweep_group(g);
      changed |= gstate_[g].complete != was;
    }
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
      NodeState& ns = state_[n];
      if (group_of_[n] >= 0) continue;
      if (ns.skip != SkipReason::kNone || ns.running > 0 || ns.done == ns.items.size()) continue;
      if (deps_blocked(n)) {
        skip_node(n, SkipReason::kDependencyFailed);
        changed = true;
      } else if (stopping_) {
        skip_node(n, SkipReason::kRunStopped);
        changed = true;
      } else if (interrupted_) {
        skip_node(n, SkipReason::kInterrupted);
        changed = true;
      }
    }
  }
}

void Schedule::stop_starting() {
  interrupted_ = true;
  propagate_skips();
}

ItemState Schedule::state(WorkItem item) const {
  return state_[item.node].items[item.item];
}

ItemState Schedule::group_state(std::size_t g) const {
  const GroupState& gs = gstate_[g];
  if (gs.complete) {
    if (gs.stop != GroupStop::kNone) return ItemState::kFailed;
    if (gs.skip != SkipReason::kNone) return ItemState::kSkipped;
    return ItemState::kSucceeded;  // failed items within max_failures do not stop the plan
  }
  if (gs.in_flight > 0) return ItemState::kRunning;
  return ItemState::kPending;
}

ItemState Schedule::step_state(std::size_t node) const {
  if (group_of_[node] >= 0) return group_state(static_cast<std::size_t>(group_of_[node]));
  const NodeState& ns = state_[node];
  if (ns.failed) return ns.running > 0 ? ItemState::kRunning : ItemState::kFailed;
  if (ns.skip != SkipReason::kNone) return ItemState::kSkipped;
  if (ns.running > 0) return ItemState::kRunning;
  if (ns.done == ns.items.size()) return ItemState::kSucceeded;
  for (ItemState s : ns.items) {
    if (s == ItemState::kSkipped) return ItemState::kSkipped;  // partly skipped by interruption
  }
  return ItemState::kPending;
}

SkipReason Schedule::skip_reason(std::size_t node) const {
  return state_[node].skip;
}

std::optional<std::size_t> Schedule::group_of(std::size_t node) const {
  if (group_of_[node] < 0) return std::nullopt;
  return static_cast<std::size_t>(group_of_[node]);
}

GroupItemState Schedule::group_item(std::size_t group, std::size_t item) const {
  return gstate_[group].items[item];
}

std::vector<std::size_t> Schedule::item_rollback_order(std::size_t group, std::size_t item) const {
  std::vector<std::size_t> out;
  const auto& nodes = groups_[group].nodes;
  for (auto n = nodes.rbegin(); n != nodes.rend(); ++n) {
    if (state_[*n].items[item] == ItemState::kSucceeded) out.push_back(*n);
  }
  return out;
}

RunPhase Schedule::phase() const {
  if (running_ > 0) return RunPhase::kRunning;
  bool any_failed = false;
  bool all_done = true;
  for (std::size_t n = 0; n < nodes_.size(); ++n) {
    if (state_[n].failed) any_failed = true;
    if (state_[n].done != state_[n].items.size()) all_done = false;
  }
  for (const GroupState& gs : gstate_) {
    if (gs.failed > 0) any_failed = true;
    if (!gs.complete) all_done = false;
  }
  if (rollback_trigger_) return RunPhase::kRollingBack;
  // Skips are propagated eagerly, so pending work here means it can still start.
  if (!all_done) return RunPhase::kRunning;
  if (interrupted_) {
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
      if (state_[n].skip == SkipReason::kInterrupted) return RunPhase::kInterrupted;
    }
  }
  return any_failed ? RunPhase::kFailed : RunPhase::kSucceeded;
}

std::vector<std::size_t> Schedule::rollback_order() const {
  return {completion_order_.rbegin(), completion_order_.rend()};
}

}  // namespace tcplan::executor
