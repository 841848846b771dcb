// The duration model (planner/predict.h) for fan-out, table-driven: a [[groups]] pipeline
// against its caps (max_parallel, canary), and status waits over a fleet, whose reads are
// batched, not paced one by one.
#include "planner/predict.h"

#include <gtest/gtest.h>

#include <string>

#include "planner/parse.h"

namespace tcplan::planner {
namespace predict_test {

using namespace std::chrono_literals;

Plan parse(const std::string& body) {
  Diagnostics d("t.toml");
  auto plan = parse_plan("t.toml",
                         "version = 1\nname = \"t\"\nregion = \"ap-guangzhou\"\n"
                         "[vars]\nclusters = [\"emr-4slr7ad7\", \"emr-ge0vrqkl\", "
                         "\"emr-p9f700x8\", \"emr-fl000001\", \"emr-fl000002\"]\n" +
                             body,
                         d);
  EXPECT_FALSE(d.has_errors()) << d.render();
  return plan ? std::move(*plan) : Plan{};
}

// A rolling restart per item: one item takes `per` (its call, the restart's 2m, a poll).
std::string restart_group(const std::string& controls) {
  return "[[groups]]\nid = \"roll\"\nfor_each = \"${vars.clusters}\"\n" + controls +
         "\n[[groups.steps]]\nid = \"restart\"\nkind = \"restart\"\npoll = \"2m\"\n"
         "[groups.steps.params]\nInstanceId = \"${item}\"\n"
         "OpScope = { ServiceInfoList = [{ ServiceName = \"YARN\" }] }\n";
}

TEST(Predict, GroupPipelineFollowsItsCaps) {
  // At a tiny time scale the rate limits cost nothing: what is left is how many items may be
  // inside the group at once, and the canaries going first.
  const struct {
    const char* controls;
    std::size_t items;
    int rounds;  // the makespan in items' durations, one after another
  } cases[] = {
      {"", 5, 1},                              // all at once
      {"max_parallel = 1", 5, 5},              // one by one
      {"max_parallel = 2", 5, 3},              // 2 + 2 + 1
      {"canary = 1", 5, 2},                    // the canary, then the other four together
      {"canary = 1\nmax_parallel = 2", 5, 3},  // the canary, then 2 + 2
      {"canary = 2\nmax_parallel = 1", 3, 3},  // never more than one inside
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.controls);
    const Plan plan = parse(restart_group(c.controls));
    ASSERT_EQ(plan.steps.size(), 1u);
    const PlanTiming t = predict_plan(plan, {c.items}, {0.001});
    const Millis per = t.steps[0].per_item;
    EXPECT_GT(per, 2min);
    EXPECT_EQ(t.makespan, per * c.rounds);
    EXPECT_EQ(t.steps[0].items, c.items);
    EXPECT_NE(t.steps[0].basis.find("group roll"), std::string::npos) << t.steps[0].basis;
  }
}

TEST(Predict, EachGroupItemWaitsForItsOwnFlow) {
  // grow -> wait until that item's cluster runs again (its 5-minute scale-out flow).
  const std::string grow =
      "id = \"grow\"\nkind = \"scale_out\"\n[TABLE.params]\nInstanceId = \"${item}\"\n"
      "PayMode = 0\nTimeUnit = \"s\"\nTimeSpan = 3600\nTaskCount = 2\n";
  auto steps = [&](const std::string& table, const std::string& fan) {
    std::string g = grow;
    g.replace(g.find("TABLE"), 5, table);
    const std::string header = "[[" + table + "]]\n";
    return header + fan + g + header + fan +
           "id = \"wait-grow\"\nkind = \"wait\"\ncluster = \"${item}\"\nuntil = \"running\"\n";
  };
  auto group = [&](const std::string& controls) {
    return parse("[[groups]]\nid = \"g\"\nfor_each = \"${vars.clusters}\"\n" + controls + "\n" +
                 steps("groups.steps", ""));
  };
  const PlanTiming together = predict_plan(group(""), {5, 5}, {1.0});
  const PlanTiming one_by_one = predict_plan(group("max_parallel = 1"), {5, 5}, {1.0});
  EXPECT_GE(together.makespan, 5min);
  EXPECT_LT(together.makespan, 6min);
  EXPECT_GE(one_by_one.makespan, 5 * 5min);
  EXPECT_LT(one_by_one.makespan, 5 * 6min);

  // As barriers (for_each steps), the wait's status reads are batched: five items wait no
  // longer than one.
  const PlanTiming barrier =
      predict_plan(parse(steps("steps", "for_each = \"${vars.clusters}\"\n")), {5, 5}, {1.0});
  EXPECT_EQ(barrier.steps[1].duration, barrier.steps[1].per_item) << barrier.steps[1].basis;
  EXPECT_NE(barrier.steps[1].basis.find("status reads batched"), std::string::npos)
      << barrier.steps[1].basis;
}

}  // namespace predict_test
}  // namespace tcplan::planner
