#include "executor/schedule.h"

#include <cassert>

namespace tcplan::executor {

Schedule::Schedule(std::vector<ScheduleNode> nodes, std::size_t max_parallel)
    : nodes_(std::move(nodes)), state_(nodes_.size()), max_parallel_(max_parallel) {
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    // A for_each over an empty list is a step with nothing to do: it succeeds at once.
    state_[i].items.assign(nodes_[i].items, ItemState::kPending);
    if (nodes_[i].items == 0) completion_order_.push_back(i);
  }
}

bool Schedule::deps_succeeded(std::size_t node) const {
  for (std::size_t d : nodes_[node].deps) {
    if (step_state(d) != ItemState::kSucceeded) return false;
  }
  return true;
}

bool Schedule::deps_blocked(std::size_t node) const {
  for (std::size_t d : nodes_[node].deps) {
    ItemState s = step_state(d);
    if (s == ItemState::kFailed || s == ItemState::kSkipped) return true;
  }
  return false;
}

std::vector<WorkItem> Schedule::take_ready() {
  std::vector<WorkItem> ready;
  if (stopping_ || interrupted_) return ready;
  for (std::size_t n = 0; n < nodes_.size(); ++n) {
    NodeState& ns = state_[n];
    if (ns.failed || ns.skip != SkipReason::kNone || !deps_succeeded(n)) continue;
    for (std::size_t i = 0; i < ns.items.size(); ++i) {
      if (max_parallel_ != 0 && running_ >= max_parallel_) return ready;
      if (nodes_[n].max_parallel != 0 && ns.running >= nodes_[n].max_parallel) break;
      if (ns.items[i] != ItemState::kPending) continue;
      ns.items[i] = ItemState::kRunning;
      ++ns.running;
      ++running_;
      ready.push_back({n, i});
    }
  }
  return ready;
}

void Schedule::finished(WorkItem item, bool succeeded) {
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

void Schedule::abandoned(WorkItem item) {
  NodeState& ns = state_[item.node];
  assert(ns.items[item.item] == ItemState::kRunning);
  --ns.running;
  --running_;
  ns.items[item.item] = ItemState::kSkipped;
  ns.skip = SkipReason::kInterrupted;
  ++ns.done;
  interrupted_ = true;
  propagate_skips();
}

void Schedule::restore(WorkItem item, bool succeeded) {
  NodeState& ns = state_[item.node];
  if (ns.items[item.item] != ItemState::kPending) return;
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
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
      NodeState& ns = state_[n];
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

ItemState Schedule::step_state(std::size_t node) const {
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

RunPhase Schedule::phase() const {
  if (running_ > 0) return RunPhase::kRunning;
  bool any_failed = false;
  bool all_done = true;
  for (std::size_t n = 0; n < nodes_.size(); ++n) {
    if (state_[n].failed) any_failed = true;
    if (state_[n].done != state_[n].items.size()) all_done = false;
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
