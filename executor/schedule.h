// Schedule: the pure state machine that decides which step items may start, given the step
// graph, fan-out, parallelism caps and failure policy, and the per-item pipelines of groups
// (canary, failure threshold, items in flight). No I/O, no clock, no Asio: the runner drives it
// (Ninja's Plan/Builder split), and tests exercise every policy without a network.
#pragma once

#include <cstddef>
#include <deque>
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

// A per-item pipeline: each item runs `nodes` in order, on its own, as soon as the previous node
// of the same item succeeded. Its nodes' own `deps`, `items`, `max_parallel` and `on_failure`
// are not used: the group's are.
struct ScheduleGroup {
  std::string id;
  std::vector<std::size_t> nodes;  // in order; at least one
  std::vector<std::size_t> deps;   // steps (or other groups' last nodes) that must succeed first
  std::size_t items = 0;
  std::size_t max_parallel = 0;  // items inside the group at once; 0 = no cap
  std::size_t canary = 0;        // the first N items finish the group before any other starts
  // Failed items tolerated; the next failure stops new items (in flight ones finish). A canary
  // item's failure always stops it.
  std::size_t max_failures = 0;
  // What the rest of the run does once the group stopped: kStop (nothing new starts, but the
  // group's own items in flight finish) or kContinue.
  FailurePolicy on_failure = FailurePolicy::kStop;
};

// Why a group started no more items.
enum class GroupStop { kNone, kMaxFailures, kCanaryFailed };

// Where one item of a group ended.
enum class GroupItemState {
  kPending,      // not started
  kInFlight,     // started, not finished
  kSucceeded,    // every step succeeded
  kFailed,       // a step failed
  kHeld,         // not started: the group stopped (threshold or canary)
  kSkipped,      // not started or not finished: a dependency failed or the run stopped
  kInterrupted,  // stopped by Ctrl-C / SIGTERM; a resume continues it
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
  // REQUIRES: deps point backwards-or-anywhere but form a DAG (the planner checks this); a
  // node belongs to at most one group.
  Schedule(std::vector<ScheduleNode> nodes, std::size_t max_parallel);
  Schedule(std::vector<ScheduleNode> nodes, std::vector<ScheduleGroup> groups,
           std::size_t max_parallel);

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

  // Groups.
  const std::vector<ScheduleGroup>& groups() const { return groups_; }
  std::optional<std::size_t> group_of(std::size_t node) const;
  GroupItemState group_item(std::size_t group, std::size_t item) const;
  GroupStop group_stop(std::size_t group) const { return gstate_[group].stop; }
  std::size_t group_failures(std::size_t group) const { return gstate_[group].failed; }
  // The group's nodes that `item` succeeded in, most recent first: what its undo runs.
  std::vector<std::size_t> item_rollback_order(std::size_t group, std::size_t item) const;

 private:
  struct NodeState {
    std::vector<ItemState> items;
    std::size_t running = 0;
    std::size_t done = 0;  // succeeded + failed + skipped
    bool failed = false;
    SkipReason skip = SkipReason::kNone;
  };

  struct GroupState {
    std::vector<GroupItemState> items;
    std::size_t next = 0;  // items below it are all admitted (or held)
    std::size_t pending = 0, in_flight = 0, failed = 0, canary_ok = 0;
    std::deque<WorkItem> ready;  // an item's next node, once its previous one succeeded
    GroupStop stop = GroupStop::kNone;
    SkipReason skip = SkipReason::kNone;
    bool complete = false;
  };

  bool deps_succeeded(std::size_t node) const;
  bool deps_blocked(std::size_t node) const;
  bool all_succeeded(const std::vector<std::size_t>& deps) const;
  bool any_blocked(const std::vector<std::size_t>& deps) const;
  bool at_cap() const { return max_parallel_ != 0 && running_ >= max_parallel_; }
  // Appends what group g may start now; false when the run-wide cap stopped it.
  bool take_group(std::size_t g, std::vector<WorkItem>& ready);
  void start(WorkItem w, std::vector<WorkItem>& ready);
  void group_finished(std::size_t g, WorkItem item, bool succeeded);
  void item_done(std::size_t g, std::size_t item, GroupItemState outcome);
  void sweep_group(std::size_t g);
  void check_group_complete(std::size_t g);
  ItemState group_state(std::size_t g) const;
  void skip_node(std::size_t node, SkipReason reason);
  void propagate_skips();
  void on_node_complete(std::size_t node);

  std::vector<ScheduleNode> nodes_;
  std::vector<NodeState> state_;
  std::vector<ScheduleGroup> groups_;
  std::vector<GroupState> gstate_;
  std::vector<int> group_of_;     // per node: its group, or -1
  std::vector<std::size_t> pos_;  // per node: its place in its group
  std::size_t max_parallel_;
  std::size_t running_ = 0;
  bool stopping_ = false;  // no new work: failure under kStop/kRollback
  bool interrupted_ = false;
  std::optional<std::size_t> rollback_trigger_;
  std::vector<std::size_t> completion_order_;  // succeeded steps, in completion order
};

}  // namespace tcplan::executor
