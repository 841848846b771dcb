// The scheduler as a pure state machine: ordering, fan-out, parallelism caps, every failure
// policy, interruption and resume, all without a clock or a network.
#include "executor/schedule.h"

#include <gtest/gtest.h>

namespace tcplan::executor {
namespace {

ScheduleNode node(std::string id, std::vector<std::size_t> deps = {},
                  FailurePolicy policy = FailurePolicy::kStop) {
  ScheduleNode n;
  n.id = std::move(id);
  n.deps = std::move(deps);
  n.on_failure = policy;
  return n;
}

TEST(Schedule, SequentialStepsStartOneAfterAnother) {
  Schedule s({node("a"), node("b", {0}), node("c", {1})}, 0);
  auto r = s.take_ready();
  ASSERT_EQ(r, (std::vector<WorkItem>{{0, 0}}));
  EXPECT_TRUE(s.take_ready().empty());  // b waits for a
  s.finished({0, 0}, true);
  EXPECT_EQ(s.take_ready(), (std::vector<WorkItem>{{1, 0}}));
  s.finished({1, 0}, true);
  EXPECT_EQ(s.take_ready(), (std::vector<WorkItem>{{2, 0}}));
  EXPECT_EQ(s.phase(), RunPhase::kRunning);
  s.finished({2, 0}, true);
  EXPECT_EQ(s.phase(), RunPhase::kSucceeded);
}

TEST(Schedule, IndependentStepsStartTogether) {
  Schedule s({node("a"), node("b"), node("join", {0, 1})}, 0);
  EXPECT_EQ(s.take_ready(), (std::vector<WorkItem>{{0, 0}, {1, 0}}));
  s.finished({1, 0}, true);
  EXPECT_TRUE(s.take_ready().empty());
  s.finished({0, 0}, true);
  EXPECT_EQ(s.take_ready(), (std::vector<WorkItem>{{2, 0}}));
}

TEST(Schedule, GlobalMaxParallelCapsConcurrentItems) {
  Schedule s({node("a"), node("b"), node("c")}, 2);
  EXPECT_EQ(s.take_ready().size(), 2u);
  EXPECT_TRUE(s.take_ready().empty());
  s.finished({0, 0}, true);
  EXPECT_EQ(s.take_ready(), (std::vector<WorkItem>{{2, 0}}));
}

TEST(Schedule, ForEachFansOutUnderItsOwnCap) {
  auto fleet = node("restart");
  fleet.items = 5;
  fleet.max_parallel = 2;
  Schedule s({fleet, node("after", {0})}, 0);
  EXPECT_EQ(s.take_ready(), (std::vector<WorkItem>{{0, 0}, {0, 1}}));
  s.finished({0, 1}, true);
  EXPECT_EQ(s.take_ready(), (std::vector<WorkItem>{{0, 2}}));
  s.finished({0, 0}, true);
  s.finished({0, 2}, true);
  EXPECT_EQ(s.take_ready(), (std::vector<WorkItem>{{0, 3}, {0, 4}}));
  s.finished({0, 3}, true);
  EXPECT_EQ(s.step_state(0), ItemState::kRunning);
  s.finished({0, 4}, true);
  EXPECT_EQ(s.step_state(0), ItemState::kSucceeded);
  EXPECT_EQ(s.take_ready(), (std::vector<WorkItem>{{1, 0}}));
}

TEST(Schedule, EmptyForEachSucceedsWithoutWork) {
  auto empty = node("none");
  empty.items = 0;
  Schedule s({empty, node("next", {0})}, 0);
  EXPECT_EQ(s.take_ready(), (std::vector<WorkItem>{{1, 0}}));
}

TEST(Schedule, StopPolicyStartsNothingAfterAFailure) {
  Schedule s({node("a"), node("b"), node("c", {0})}, 0);
  s.take_ready();  // a, b running
  s.finished({0, 0}, false);
  EXPECT_TRUE(s.take_ready().empty());
  EXPECT_EQ(s.step_state(2), ItemState::kSkipped);
  EXPECT_EQ(s.skip_reason(2), SkipReason::kDependencyFailed);
  EXPECT_EQ(s.phase(), RunPhase::kRunning);  // b still running
  s.finished({1, 0}, true);
  EXPECT_EQ(s.phase(), RunPhase::kFailed);
}

TEST(Schedule, StopPolicySkipsIndependentStepsNotYetStarted) {
  Schedule s({node("a"), node("b", {0}), node("c", {}, FailurePolicy::kStop)}, 1);
  EXPECT_EQ(s.take_ready(), (std::vector<WorkItem>{{0, 0}}));
  s.finished({0, 0}, false);
  EXPECT_EQ(s.skip_reason(2), SkipReason::kRunStopped);
  EXPECT_EQ(s.phase(), RunPhase::kFailed);
}

TEST(Schedule, ContinuePolicyRunsIndependentBranches) {
  Schedule s({node("a", {}, FailurePolicy::kContinue), node("a2", {0}), node("b"), node("b2", {2})},
             0);
  EXPECT_EQ(s.take_ready(), (std::vector<WorkItem>{{0, 0}, {2, 0}}));
  s.finished({0, 0}, false);
  EXPECT_EQ(s.skip_reason(1), SkipReason::kDependencyFailed);
  s.finished({2, 0}, true);
  EXPECT_EQ(s.take_ready(), (std::vector<WorkItem>{{3, 0}}));
  s.finished({3, 0}, true);
  EXPECT_EQ(s.phase(), RunPhase::kFailed);
}

TEST(Schedule, FailedForEachItemStopsTheRestOfTheStep) {
  auto fleet = node("restart", {}, FailurePolicy::kStop);
  fleet.items = 4;
  fleet.max_parallel = 1;
  Schedule s({fleet}, 0);
  s.take_ready();
  s.finished({0, 0}, true);
  s.take_ready();
  s.finished({0, 1}, false);
  EXPECT_TRUE(s.take_ready().empty());
  EXPECT_EQ(s.state({0, 2}), ItemState::kSkipped);
  EXPECT_EQ(s.step_state(0), ItemState::kFailed);
  EXPECT_EQ(s.phase(), RunPhase::kFailed);
}

TEST(Schedule, RollbackListsCompletedStepsMostRecentFirst) {
  Schedule s(
      {node("create", {}, FailurePolicy::kRollback), node("grow", {0}, FailurePolicy::kRollback),
       node("restart", {1}, FailurePolicy::kRollback)},
      0);
  s.take_ready();
  s.finished({0, 0}, true);
  s.take_ready();
  s.finished({1, 0}, true);
  s.take_ready();
  s.finished({2, 0}, false);
  EXPECT_EQ(s.phase(), RunPhase::kRollingBack);
  EXPECT_EQ(s.rollback_trigger(), std::optional<std::size_t>(2));
  EXPECT_EQ(s.rollback_order(), (std::vector<std::size_t>{1, 0}));
}

TEST(Schedule, InterruptionLetsRunningItemsFinishAndStartsNothing) {
  Schedule s({node("a"), node("b"), node("c", {0})}, 1);
  s.take_ready();  // a
  s.stop_starting();
  EXPECT_TRUE(s.take_ready().empty());
  EXPECT_EQ(s.phase(), RunPhase::kRunning);
  s.finished({0, 0}, true);
  EXPECT_EQ(s.phase(), RunPhase::kInterrupted);
  EXPECT_EQ(s.skip_reason(1), SkipReason::kInterrupted);
}

TEST(Schedule, AbandonedItemsEndTheRunAsInterruptedNotFailed) {
  Schedule s({node("wait", {}, FailurePolicy::kRollback), node("next", {0})}, 0);
  s.take_ready();
  s.stop_starting();
  s.abandoned({0, 0});
  EXPECT_EQ(s.phase(), RunPhase::kInterrupted);
  EXPECT_FALSE(s.rollback_trigger());
  EXPECT_EQ(s.skip_reason(0), SkipReason::kInterrupted);
}

TEST(Schedule, ResumeRestoresFinishedItemsAndContinues) {
  auto fleet = node("restart", {0});
  fleet.items = 3;
  Schedule s({node("grow"), fleet, node("shrink", {1})}, 0);
  s.restore({0, 0}, true);
  s.restore({1, 1}, true);
  EXPECT_EQ(s.take_ready(), (std::vector<WorkItem>{{1, 0}, {1, 2}}));
  s.finished({1, 0}, true);
  s.finished({1, 2}, true);
  EXPECT_EQ(s.take_ready(), (std::vector<WorkItem>{{2, 0}}));
}

}  // namespace
}  // namespace tcplan::executor
