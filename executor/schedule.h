// Schedule: the pure state machine that decides which step items may start, given the step
// graph, fan-out, parallelism caps and failure policy. No I/O, no clock, no Asio: the runner
// drives it (Ninja's Plan/Builder split), and tests exercise every policy without a network.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "executor/status.h"

namespace tcplan::executor {

enum class FailurePolicy { kStop, kContinue, kRollback };

struct ScheduleNode {
  std::string id;
  std::vector<std::size_t> deps;  // indices of steps that must succeed first
  std::size_t items = 1;          // for_each fan-out; 1 for an ordinary step
  std::size_t max_parallel = 0;   // cap on this step's concurrent items; 0 = no cap
  FailurePolicy on_failure = FailurePolicy::kStop;
};

struct WorkItem {
  std::size_t node = 0;
  std::size_t item = 0;
  bool operator==(const WorkItem&) const = default;
};

// Why a step did not run; reported by --explain and `tcplan status`.
enum class SkipReason { kNone, kDependencyFailed, kRunStopped, kInterrupted };

enum class RunPhase {
  kRunning,      // work left to start or finish
  kRollingBack,  // a rollback step failed: the runner now runs undo steps (rollback_order)
  kSucceeded,    // every step succeeded
  kFailed,       // finished with at least one failed step
  kInterrupted,  // stop_starting() was called and nothing is running any more
};

class Schedule {
 public:
  // `max_parallel` caps concurrent items across the whole run; 0 = no cap.
  // REQUIRES: deps point backwards-or-anywhere but form a DAG (the planner checks this).
  Schedule(std::vector<ScheduleNode> nodes, std::size_t max_parallel);

  // Items that may start now, in plan order; they are marked running.
  std::vector<WorkItem> take_ready();

  // Reports the end of a running item.
  void finished(WorkItem item, bool succeeded);

  // An item stopped by an interruption: neither success nor failure, so no failure policy
  // applies; it stays unfinished in the trail and a resume runs it again.
  void abandoned(WorkItem item);

  // Resume: an item that an earlier process already finished.
  void restore(WorkItem item, bool succeeded);

  // Ctrl-C / SIGTERM: start nothing new; items already running still report finished().
  void stop_starting();

  RunPhase phase() const;
  ItemState state(WorkItem item) const;
  ItemState step_state(std::size_t node) const;  // aggregate over the step's items
  SkipReason skip_reason(std::size_t node) const;
  std::size_t running() const { return running_; }

  // The steps whose undo should run, most recently completed first.
  std::vector<std::size_t> rollback_order() const;
  // The step whose failure triggered rollback, if any.
  std::optional<std::size_t> rollback_trigger() const { return rollback_trigger_; }

  const std::vector<ScheduleNode>& nodes() const { return nodes_; }

 private:
  struct NodeState {
    std::vector<ItemState> items;
    std::size_t running = 0;
    std::size_t done = 0;  // succeeded + failed + skipped
    bool failed = false;
    SkipReason skip = SkipReason::kNone;
  };

  bool deps_succeeded(std::size_t node) const;
  bool deps_blocked(std::size_t node) const;
  void skip_node(std::size_t node, SkipReason reason);
  void propagate_skips();
  void on_node_complete(std::size_t node);

  std::vector<ScheduleNode> nodes_;
  std::vector<NodeState> state_;
  std::size_t max_parallel_;
  std::size_t running_ = 0;
  bool stopping_ = false;  // no new work: failure under kStop/kRollback
  bool interrupted_ = false;
  std::optional<std::size_t> rollback_trigger_;
  std::vector<std::size_t> completion_order_;  // succeeded steps, in completion order
};

}  // namespace tcplan::executor
