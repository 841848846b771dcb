// The scheduler as a pure state machine: ordering, fan-out, parallelism caps, every failure
// policy, interruption and resume, all without a clock or a network; and the groups' per-item
// pipelines (canary, failure threshold, items in flight) as a table of scripted cases.
#include "executor/schedule.h"

#include <gtest/gtest.h>

#include <sstream>

namespace tcplan::executor {
namespace schedule_test {

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

// --- groups: a table of scripts ----------------------------------------------------------------
//
// Each case builds one group of `steps` nodes (nodes 0..steps-1) over `items` items, plus the
// plain steps in `after` (node `steps` + k, depending on the group's last node unless `free`),
// and runs a script, one command per string:
//   "take 0/1 1/0"   take_ready() returns exactly (node/item ...), in this order ("take": none)
//   "ok 0/1", "fail 0/1", "abandon 0/1", "restore 0/1"   report node/item
//   "interrupt"      stop_starting()
//   "phase failed"   phase(): running | rollingback | succeeded | failed | interrupted
//   "item 3 held"    group_item(0, 3): pending | inflight | succeeded | failed | held | skipped |
//                    interrupted
//   "stop canary"    group_stop(0): none | max_failures | canary
//   "step 2 skipped" step_state(2): pending | running | succeeded | failed | skipped
//   "undo 2 1 0"     item_rollback_order(0, 2) lists nodes 1, 0
struct GroupCase {
  const char* name;
  std::size_t items = 3, steps = 2, max_parallel = 0, canary = 0, max_failures = 0;
  FailurePolicy on_failure = FailurePolicy::kStop;
  std::size_t plain_after = 0;  // plain steps after the group (depending on it)
  std::size_t plain_free = 0;   // plain steps that depend on nothing
  std::size_t run_cap = 0;      // the run-wide max_parallel
  std::vector<std::string> script;
};

std::string show(const std::vector<WorkItem>& v) {
  std::string out;
  for (const auto& w : v)
    out += (out.empty() ? "" : " ") + std::to_string(w.node) + "/" + std::to_string(w.item);
  return out;
}

WorkItem parse_work(const std::string& text) {
  const auto slash = text.find('/');
  return {std::stoul(text.substr(0, slash)), std::stoul(text.substr(slash + 1))};
}

const char* name_of(RunPhase p) {
  switch (p) {
    case RunPhase::kRunning:
      return "running";
    case RunPhase::kRollingBack:
      return "rollingback";
    case RunPhase::kSucceeded:
      return "succeeded";
    case RunPhase::kFailed:
      return "failed";
    case RunPhase::kInterrupted:
      return "interrupted";
  }
  return "?";
}

const char* name_of(GroupItemState s) {
  switch (s) {
    case GroupItemState::kPending:
      return "pending";
    case GroupItemState::kInFlight:
      return "inflight";
    case GroupItemState::kSucceeded:
      return "succeeded";
    case GroupItemState::kFailed:
      return "failed";
    case GroupItemState::kHeld:
      return "held";
    case GroupItemState::kSkipped:
      return "skipped";
    case GroupItemState::kInterrupted:
      return "interrupted";
  }
  return "?";
}

const char* name_of(GroupStop s) {
  switch (s) {
    case GroupStop::kNone:
      return "none";
    case GroupStop::kMaxFailures:
      return "max_failures";
    case GroupStop::kCanaryFailed:
      return "canary";
  }
  return "?";
}

const char* name_of(ItemState s) {
  switch (s) {
    case ItemState::kPending:
      return "pending";
    case ItemState::kRunning:
      return "running";
    case ItemState::kSucceeded:
      return "succeeded";
    case ItemState::kFailed:
      return "failed";
    case ItemState::kSkipped:
      return "skipped";
    default:
      return "other";
  }
}

void run_case(const GroupCase& c) {
  std::vector<ScheduleNode> nodes;
  ScheduleGroup g;
  g.id = "rollout";
  g.items = c.items;
  g.max_parallel = c.max_parallel;
  g.canary = c.canary;
  g.max_failures = c.max_failures;
  g.on_failure = c.on_failure;
  for (std::size_t k = 0; k < c.steps; ++k) {
    nodes.push_back(node("s" + std::to_string(k),
                         k == 0 ? std::vector<std::size_t>{} : std::vector<std::size_t>{k - 1}));
    g.nodes.push_back(k);
  }
  for (std::size_t k = 0; k < c.plain_after; ++k)
    nodes.push_back(node("after" + std::to_string(k), {c.steps - 1}));
  for (std::size_t k = 0; k < c.plain_free; ++k)
    nodes.push_back(node("free" + std::to_string(k)));
  Schedule s(std::move(nodes), {g}, c.run_cap);
  int line = 0;
  for (const std::string& command : c.script) {
    ++line;
    SCOPED_TRACE(std::string(c.name) + ", line " + std::to_string(line) + ": " + command);
    std::istringstream in(command);
    std::string verb;
    in >> verb;
    std::vector<std::string> args;
    for (std::string a; in >> a;)
      args.push_back(a);
    if (verb == "take") {
      std::string want;
      for (const auto& a : args)
        want += (want.empty() ? "" : " ") + a;
      ASSERT_EQ(show(s.take_ready()), want);
    } else if (verb == "ok" || verb == "fail") {
      s.finished(parse_work(args.at(0)), verb == "ok");
    } else if (verb == "abandon") {
      s.abandoned(parse_work(args.at(0)));
    } else if (verb == "restore") {
      s.restore(parse_work(args.at(0)), true);
    } else if (verb == "interrupt") {
      s.stop_starting();
    } else if (verb == "phase") {
      ASSERT_STREQ(name_of(s.phase()), args.at(0).c_str());
    } else if (verb == "item") {
      ASSERT_STREQ(name_of(s.group_item(0, std::stoul(args.at(0)))), args.at(1).c_str());
    } else if (verb == "stop") {
      ASSERT_STREQ(name_of(s.group_stop(0)), args.at(0).c_str());
    } else if (verb == "step") {
      ASSERT_STREQ(name_of(s.step_state(std::stoul(args.at(0)))), args.at(1).c_str());
    } else if (verb == "undo") {
      std::vector<std::size_t> want;
      for (std::size_t i = 1; i < args.size(); ++i)
        want.push_back(std::stoul(args[i]));
      ASSERT_EQ(s.item_rollback_order(0, std::stoul(args.at(0))), want);
    } else {
      FAIL() << "unknown command";
    }
  }
}

const GroupCase kGroupCases[] = {
    {.name = "each item goes on to its next step as soon as its previous one succeeded",
     .script = {"take 0/0 0/1 0/2", "ok 0/1", "take 1/1", "ok 0/0", "take 1/0", "ok 1/1",
                "item 1 succeeded", "phase running", "ok 0/2", "ok 1/0", "take 1/2", "ok 1/2",
                "phase succeeded", "step 1 succeeded"}},
    {.name = "max_parallel caps the items inside the group, not the steps",
     .max_parallel = 1,
     .script = {"take 0/0", "ok 0/0", "take 1/0", "ok 1/0", "take 0/1", "ok 0/1", "take 1/1",
                "ok 1/1", "take 0/2"}},
    {.name = "items in flight finish their steps before more start",
     .items = 4,
     .max_parallel = 2,
     .script = {"take 0/0 0/1", "ok 0/0", "take 1/0", "ok 1/0", "take 0/2", "ok 0/1", "ok 0/2",
                "take 1/1 1/2", "item 3 pending"}},
    {.name = "the canary finishes the whole group before any other item starts",
     .items = 4,
     .canary = 1,
     .script = {"take 0/0", "ok 0/0", "take 1/0", "item 1 pending", "ok 1/0", "item 0 succeeded",
                "take 0/1 0/2 0/3"}},
    {.name = "two canaries go together and both must succeed",
     .items = 4,
     .canary = 2,
     .script = {"take 0/0 0/1", "ok 0/0", "take 1/0", "ok 1/0", "take", "ok 0/1", "take 1/1",
                "ok 1/1", "take 0/2 0/3"}},
    {.name = "canaries respect max_parallel",
     .items = 4,
     .max_parallel = 1,
     .canary = 2,
     .script = {"take 0/0", "ok 0/0", "take 1/0", "ok 1/0", "take 0/1", "ok 0/1", "take 1/1",
                "ok 1/1", "take 0/2"}},
    {.name = "a failed canary stops the rollout whatever max_failures says",
     .items = 4,
     .canary = 1,
     .max_failures = 3,
     .script = {"take 0/0", "ok 0/0", "take 1/0", "fail 1/0", "take", "stop canary", "item 1 held",
                "item 3 held", "step 1 failed", "phase failed"}},
    {.name = "max_failures 0: the first failure stops new items, items in flight finish",
     .items = 4,
     .max_parallel = 2,
     .script = {"take 0/0 0/1", "fail 0/0", "stop max_failures", "item 2 held", "item 3 held",
                "take", "phase running", "ok 0/1", "take 1/1", "item 1 inflight", "ok 1/1",
                "item 1 succeeded", "item 0 failed", "phase failed", "step 0 failed"}},
    {.name = "max_failures 1: the first failure is tolerated, the second stops new items",
     .items = 5,
     .max_parallel = 2,
     .max_failures = 1,
     .script = {"take 0/0 0/1", "fail 0/0", "stop none", "take 0/2", "ok 0/1", "take 1/1",
                "fail 0/2", "stop max_failures", "take", "item 3 held", "item 4 held", "ok 1/1",
                "phase failed"}},
    {.name = "an in-flight item that fails after the threshold still counts",
     .items = 4,
     .max_parallel = 2,
     .script = {"take 0/0 0/1", "fail 0/0", "ok 0/1", "take 1/1", "fail 1/1", "item 1 failed",
                "phase failed", "undo 1 0"}},
    {.name = "a failure in a later step fails the item and is counted the same",
     .items = 3,
     .max_parallel = 1,
     .max_failures = 1,
     .script = {"take 0/0", "ok 0/0", "take 1/0", "fail 1/0", "item 0 failed", "stop none",
                "take 0/1", "undo 0 0"}},
    {.name = "failures within max_failures: the group completes and the plan goes on",
     .items = 3,
     .max_failures = 1,
     .plain_after = 1,
     .script = {"take 0/0 0/1 0/2", "fail 0/0", "ok 0/1", "ok 0/2", "take 1/1 1/2", "take",
                "ok 1/1", "step 2 pending", "ok 1/2", "step 1 succeeded", "take 2/0", "ok 2/0",
                "phase failed"}},
    {.name = "a step after the group waits for every item",
     .items = 2,
     .plain_after = 1,
     .script = {"take 0/0 0/1", "ok 0/0", "ok 0/1", "take 1/0 1/1", "ok 1/0", "take", "ok 1/1",
                "take 2/0", "ok 2/0", "phase succeeded"}},
    {.name = "a stopped group skips what depends on it",
     .items = 2,
     .plain_after = 1,
     .script = {"take 0/0 0/1", "fail 0/0", "step 2 skipped", "ok 0/1", "take 1/1", "ok 1/1",
                "step 2 skipped", "phase failed"}},
    {.name = "on_failure = stop: nothing new starts, the group's items in flight finish",
     .items = 3,
     .max_parallel = 2,
     .plain_free = 1,
     .run_cap = 2,
     .script = {"take 0/0 0/1", "fail 0/0", "step 2 skipped", "take", "ok 0/1", "take 1/1",
                "ok 1/1", "item 2 held", "phase failed"}},
    {.name = "on_failure = continue: independent steps still run after the group failed",
     .items = 2,
     .on_failure = FailurePolicy::kContinue,
     .plain_after = 1,
     .plain_free = 1,
     .run_cap = 2,
     .script = {"take 0/0 0/1", "fail 0/0", "fail 0/1", "take 3/0", "step 2 skipped", "ok 3/0",
                "phase failed"}},
    {.name = "on_failure = stop: an independent step not yet started is skipped",
     .items = 1,
     .plain_free = 1,
     .run_cap = 1,
     .script = {"take 0/0", "fail 0/0", "take", "step 2 skipped", "phase failed"}},
    {.name = "the run-wide cap counts group items too",
     .items = 3,
     .run_cap = 2,
     .script = {"take 0/0 0/1", "ok 0/0", "take 1/0", "ok 1/0", "take 0/2"}},
    {.name = "an interruption starts no next step; items are left for the resume",
     .items = 3,
     .script = {"take 0/0 0/1 0/2", "ok 0/0", "interrupt", "take", "item 0 interrupted",
                "phase running", "ok 0/1", "abandon 0/2", "item 1 interrupted",
                "item 2 interrupted", "phase interrupted"}},
    {.name = "a resume continues each item from its next step, whatever the caps",
     .items = 4,
     .max_parallel = 1,
     .canary = 1,
     .script = {"restore 0/0", "restore 1/0", "restore 0/2", "item 0 succeeded", "item 2 inflight",
                "take 1/2", "ok 1/2", "take 0/1", "ok 0/1", "take 1/1"}},
    {.name = "a group with no items succeeds at once",
     .items = 0,
     .plain_after = 1,
     .script = {"step 0 succeeded", "take 2/0", "ok 2/0", "phase succeeded"}},
};

class GroupSchedule : public ::testing::TestWithParam<GroupCase> {};

TEST_P(GroupSchedule, FollowsItsScript) {
  run_case(GetParam());
}

INSTANTIATE_TEST_SUITE_P(Cases, GroupSchedule, ::testing::ValuesIn(kGroupCases),
                         [](const ::testing::TestParamInfo<GroupCase>& p) {
                           return "Case" + std::to_string(p.index);
                         });

TEST(GroupSchedule, DependencyFailedSkipsTheWholeGroup) {
  ScheduleGroup g;
  g.id = "rollout";
  g.items = 3;
  g.nodes = {1, 2};
  g.deps = {0};
  Schedule s({node("prep"), node("a"), node("b")}, {g}, 0);
  EXPECT_EQ(s.take_ready(), (std::vector<WorkItem>{{0, 0}}));
  s.finished({0, 0}, false);
  EXPECT_EQ(s.group_item(0, 0), GroupItemState::kSkipped);
  EXPECT_EQ(s.step_state(2), ItemState::kSkipped);
  EXPECT_EQ(s.skip_reason(1), SkipReason::kDependencyFailed);
  EXPECT_EQ(s.phase(), RunPhase::kFailed);
}

TEST(GroupSchedule, RollbackOrderListsTheGroupsStepsOnceItCompleted) {
  ScheduleGroup g;
  g.id = "rollout";
  g.items = 1;
  g.nodes = {0, 1};
  Schedule s({node("a"), node("b"), node("fails", {1}, FailurePolicy::kRollback)}, {g}, 0);
  s.take_ready();
  s.finished({0, 0}, true);
  s.take_ready();
  s.finished({1, 0}, true);
  EXPECT_EQ(s.take_ready(), (std::vector<WorkItem>{{2, 0}}));
  s.finished({2, 0}, false);
  EXPECT_EQ(s.phase(), RunPhase::kRollingBack);
  EXPECT_EQ(s.rollback_order(), (std::vector<std::size_t>{1, 0}));
}

}  // namespace schedule_test
}  // namespace tcplan::executor
