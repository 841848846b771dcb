// [[groups]]: the syntax (keys, for_each, canary, max_failures as a count or a percentage),
// the flat step list it becomes, and every validation rule with its exact line:column.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "planner/parse.h"
#include "planner/plan_values.h"
#include "planner/validate.h"

namespace tcplan::planner {
namespace groups_test {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

// Lines 1-5; the case's own text starts on line 6.
const char* kPrelude =
    "version = 1\n"
    "name = \"t\"\n"
    "region = \"ap-guangzhou\"\n"
    "[vars]\n"
    "clusters = [\"emr-4slr7ad7\", \"emr-ge0vrqkl\", \"emr-p9f700x8\"]\n";

// The pipelined fleet change: grow, wait on its own item's flow, restart, remove the nodes.
const char* kGroup = R"([[groups]]
id = "rollout"
for_each = "${vars.clusters}"
max_parallel = 2
canary = 1
max_failures = "10%"
[[groups.steps]]
id = "grow"
kind = "scale_out"
[groups.steps.params]
InstanceId = "${item}"
PayMode = 0
TimeUnit = "s"
TimeSpan = 3600
TaskCount = 2
[[groups.steps]]
id = "wait-grow"
kind = "wait"
cluster = "${item}"
flow = "${steps.grow.FlowId}"
[[groups.steps]]
id = "shrink"
kind = "scale_in"
on_failure = "rollback"
[groups.steps.params]
InstanceId = "${item}"
[groups.steps.select]
node_flag = "task"
added_by = "grow"
)";

struct Checked {
  std::optional<Plan> plan;
  std::vector<std::string> diags;  // "LINE:COL: error: message"
};

Checked check(const std::string& body) {
  Diagnostics d("t.toml");
  Checked out;
  out.plan = parse_plan("t.toml", kPrelude + body, d);
  if (out.plan) validate_plan(*out.plan, d, {});
  for (const auto& x : d.all())
    out.diags.push_back(d.headline(x).substr(std::string("t.toml:").size()));
  return out;
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(Groups, PipelinedPlanIsValidAndFlattensInFileOrder) {
  std::string body = R"([[steps]]
id = "before"
kind = "restart"
[steps.params]
InstanceId = "emr-4slr7ad7"
OpScope = { ServiceInfoList = [{ ServiceName = "YARN" }] }
StrategyConfig = { RollingRestartSwitch = 1, BatchSize = 1, TimeWait = 30, DealOnFail = 0 }
)" + std::string(kGroup) +
                     R"([[steps]]
id = "after"
kind = "wait"
cluster = "emr-4slr7ad7"
until = "running"
)";
  auto c = check(body);
  ASSERT_TRUE(c.plan);
  EXPECT_THAT(c.diags, IsEmpty());
  const Plan& p = *c.plan;
  ASSERT_EQ(p.groups.size(), 1u);
  const Group& g = p.groups[0];
  EXPECT_EQ(g.id, "rollout");
  EXPECT_EQ(g.max_parallel, 2);
  EXPECT_EQ(g.canary, 1);
  EXPECT_EQ(g.max_failures, 10);
  EXPECT_TRUE(g.max_failures_percent);
  ASSERT_EQ(p.steps.size(), 5u);
  EXPECT_EQ(g.first, 1u);
  EXPECT_EQ(g.count, 3u);
  // The group runs after the step before it; its steps after each other; the step after it
  // after its last step.
  EXPECT_THAT(p.steps[1].after, ElementsAre("before"));
  EXPECT_THAT(p.steps[2].after, ElementsAre("grow"));
  EXPECT_THAT(p.steps[4].after, ElementsAre("shrink"));
  for (std::size_t i = 1; i <= 3; ++i) {
    EXPECT_EQ(p.steps[i].group, 0);
    ASSERT_TRUE(p.steps[i].for_each.has_value());
    EXPECT_EQ(*p.steps[i].for_each, boost::json::value("${vars.clusters}"));
  }
  EXPECT_EQ(p.steps[0].group, -1);
  EXPECT_EQ(p.steps[4].group, -1);
}

TEST(Groups, AfterMayNameTheGroup) {
  std::string body = std::string(kGroup) + R"([[steps]]
id = "first"
kind = "wait"
cluster = "emr-4slr7ad7"
until = "running"
after = []
[[steps]]
id = "last"
kind = "wait"
cluster = "emr-4slr7ad7"
until = "running"
after = ["rollout", "first"]
)";
  auto c = check(body);
  ASSERT_TRUE(c.plan);
  EXPECT_THAT(c.diags, IsEmpty());
  EXPECT_THAT(c.plan->step("last")->after, ElementsAre("shrink", "first"));
}

TEST(Groups, AllowedFailuresFollowsSsm) {
  struct Case {
    std::int64_t n;
    bool percent;
    std::size_t items, want;
  } cases[] = {
      {0, false, 10, 0}, {3, false, 10, 3}, {10, true, 50, 5}, {10, true, 15, 1},
      {10, true, 9, 0},  {100, true, 7, 7}, {50, true, 4, 2},  {0, true, 200, 0},
  };
  for (const auto& k : cases) {
    Group g;
    g.max_failures = k.n;
    g.max_failures_percent = k.percent;
    EXPECT_EQ(g.allowed_failures(k.items), k.want)
        << k.n << (k.percent ? "%" : "") << " of " << k.items;
  }
}

TEST(Groups, SameItemOutputsArePlainValuesToValidation) {
  auto c = check(kGroup);
  ASSERT_TRUE(c.plan);
  PlanValues values(*c.plan, api::Catalog::builtin());
  const Step& wait = *c.plan->step("wait-grow");
  // ${steps.grow.FlowId} in the group is this item's FlowId, not a list over items.
  auto v = values.substitute(boost::json::value(wait.flow), wait);
  EXPECT_FALSE(v.is_array()) << v;
  EXPECT_EQ(values.substitute(boost::json::value(wait.cluster), wait),
            boost::json::value("emr-4slr7ad7"));
}

// Each rule: the group text changed, and the diagnostic it must produce.
struct Rule {
  const char* name;
  std::string from, to;  // in kGroup ("" from: appended)
  const char* want;      // prefix of one diagnostic
};

const Rule kRules[] = {
    {"for_each is required", "for_each = \"${vars.clusters}\"\n", "",
     "6:1: error: group 'rollout' needs 'for_each'"},
    {"an unknown key", "canary = 1\n", "canary = 1\ncanery = 2\n",
     "11:1: error: unknown key 'canery' in [[groups]] (did you mean 'canary'?)"},
    {"canary at least 1", "canary = 1", "canary = 0", "10:10: error: canary must be at least 1"},
    {"canary leaves items to follow", "canary = 1", "canary = 3",
     "10:10: error: canary = 3 but group 'rollout' has 3 items"},
    {"max_parallel at least 1", "max_parallel = 2", "max_parallel = 0",
     "9:16: error: max_parallel must be at least 1"},
    {"max_failures not negative", "max_failures = \"10%\"", "max_failures = -1",
     "11:16: error: max_failures must not be negative"},
    {"max_failures percentage over 100", "max_failures = \"10%\"", "max_failures = \"110%\"",
     "11:16: error: max_failures must be a number of items or a percentage"},
    {"max_failures not a percentage", "max_failures = \"10%\"", "max_failures = \"ten\"",
     "11:16: error: max_failures must be a number of items or a percentage"},
    {"max_failures wrong type", "max_failures = \"10%\"", "max_failures = 1.5",
     "11:16: error: 'max_failures' must be a number of items or a percentage"},
    {"a group on_failure cannot be rollback", "canary = 1\n",
     "canary = 1\non_failure = \"rollback\"\n",
     "11:14: error: a group's on_failure is stop or continue"},
    {"no for_each in a group's step", "kind = \"scale_out\"\n",
     "kind = \"scale_out\"\nfor_each = [\"emr-4slr7ad7\"]\n",
     "15:12: error: 'for_each' is not allowed in [[groups.steps]]"},
    {"no after in a group's step", "kind = \"scale_out\"\n", "kind = \"scale_out\"\nafter = []\n",
     "15:9: error: 'after' is not allowed in [[groups.steps]]"},
    {"no max_parallel in a group's step", "kind = \"scale_out\"\n",
     "kind = \"scale_out\"\nmax_parallel = 3\n",
     "15:16: error: max_parallel is the group's in [[groups.steps]]"},
    {"continue has no meaning in a group's step", "on_failure = \"rollback\"",
     "on_failure = \"continue\"", "29:14: error: on_failure = \"continue\" has no meaning"},
    {"an empty for_each list", "for_each = \"${vars.clusters}\"", "for_each = []",
     "8:12: error: for_each list is empty"},
    {"for_each of a var that is not a list", "for_each = \"${vars.clusters}\"",
     "for_each = \"${vars.name}\"", "8:13: error: unknown var 'name'"},
    {"${item} is not defined in the group's own list", "for_each = \"${vars.clusters}\"",
     "for_each = \"${item}\"", "8:13: error: ${item} is only defined"},
    {"a group id must be a valid id", "id = \"rollout\"", "id = \"Roll Out\"",
     "7:6: error: group id 'Roll Out' must be 1 to 64 of [a-z0-9_-]"},
    {"a group id is unique with the steps", "id = \"grow\"", "id = \"rollout\"",
     "13:6: error: duplicate step id 'rollout' (first used at line 7)"},
};

class GroupRule : public ::testing::TestWithParam<Rule> {};

TEST_P(GroupRule, IsReportedWhereItIsWritten) {
  const Rule& r = GetParam();
  auto c = check(r.from.empty() ? std::string(kGroup) + r.to : replace(kGroup, r.from, r.to));
  EXPECT_THAT(c.diags, Contains(StartsWith(r.want)));
}

INSTANTIATE_TEST_SUITE_P(Rules, GroupRule, ::testing::ValuesIn(kRules),
                         [](const ::testing::TestParamInfo<Rule>& p) {
                           return "Rule" + std::to_string(p.index);
                         });

TEST(Groups, ForEachMayBeAQueryChosenInOneRegion) {
  const std::string query = replace(kGroup, "for_each = \"${vars.clusters}\"",
                                    "for_each = { tags = { team = \"data\" } }");
  auto c = check(query);
  EXPECT_THAT(c.diags, IsEmpty());
  ASSERT_TRUE(c.plan);
  ASSERT_TRUE(c.plan->groups[0].for_each_query);
  for (const Step& s : c.plan->steps) {
    if (s.group != 0) continue;
    // Every step carries the group's query, as it carries a list.
    ASSERT_TRUE(s.for_each_query) << s.id;
    EXPECT_TRUE(s.for_each->is_object()) << s.id;
  }
  auto other =
      check(replace(query, "kind = \"wait\"\n", "kind = \"wait\"\nregion = \"ap-shanghai\"\n"));
  EXPECT_THAT(other.diags,
              Contains(HasSubstr("is in ap-shanghai, but the group's for_each query chooses "
                                 "clusters of ap-guangzhou")));
}

TEST(Groups, AGroupWithoutStepsIsAnError) {
  auto c = check(R"([[groups]]
id = "rollout"
for_each = "${vars.clusters}"
)");
  EXPECT_THAT(
      c.diags,
      Contains(StartsWith("6:1: error: group 'rollout' has no steps (add [[groups.steps]]")));
}

TEST(Groups, AStepOutsideCannotReferToAGroupsStep) {
  auto c = check(std::string(kGroup) + R"([[steps]]
id = "later"
kind = "wait"
cluster = "emr-4slr7ad7"
flow = "${steps.grow.FlowId}"
)");
  EXPECT_THAT(c.diags, Contains(StartsWith("39:9: error: ${steps.grow.FlowId}: 'grow' is a step of "
                                           "group 'rollout', which runs once per item")));
}

TEST(Groups, AStepOutsideCannotRunAfterAStepInsideButTheLast) {
  auto c = check(std::string(kGroup) + R"([[steps]]
id = "later"
kind = "wait"
cluster = "emr-4slr7ad7"
until = "running"
after = ["wait-grow"]
)");
  EXPECT_THAT(c.diags,
              Contains(StartsWith("40:10: error: 'wait-grow' is a step of group 'rollout', "
                                  "which runs once per item: run after the whole group")));
}

TEST(Groups, ALaterStepOfTheGroupIsNotYetKnown) {
  auto c = check(
      replace(kGroup, "flow = \"${steps.grow.FlowId}\"", "flow = \"${steps.shrink.FlowId}\""));
  EXPECT_THAT(c.diags, Contains(HasSubstr("refers to a later step: 'shrink'")));
}

TEST(Groups, UndoStepsOfAGroupsStepMayUseTheItem) {
  auto c = check(std::string(kGroup) + R"([[groups.steps.undo]]
id = "regrow"
kind = "scale_out"
[groups.steps.undo.params]
InstanceId = "${item}"
PayMode = 0
TimeUnit = "s"
TimeSpan = 3600
TaskCount = 2
)");
  ASSERT_TRUE(c.plan);
  EXPECT_THAT(c.diags, IsEmpty());
  const Step* shrink = c.plan->step("shrink");
  ASSERT_EQ(shrink->undo.size(), 1u);
  EXPECT_EQ(shrink->undo[0].group, 0);
}

TEST(Groups, WarnsWhenMaxFailuresToleratesEveryItem) {
  auto c = check(replace(kGroup, "max_failures = \"10%\"", "max_failures = 3"));
  EXPECT_THAT(c.diags,
              Contains(StartsWith("11:16: warning: max_failures = 3 tolerates every one")));
}

}  // namespace groups_test
}  // namespace tcplan::planner
