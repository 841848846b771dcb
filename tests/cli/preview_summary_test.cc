// The lines under `tcplan plan`'s preview (cli/preview_summary.h): Terraform-style counts of
// changes by kind, destruction in colour on a terminal, and the budget verdict.
#include "cli/preview_summary.h"

#include <gtest/gtest.h>

namespace tcplan::cli {
namespace preview_summary_test {

planner::Preview with_kinds(const std::vector<std::string>& kinds) {
  planner::Preview p;
  for (const auto& k : kinds) {
    planner::StepPreview s;
    s.kind = k;
    p.steps.push_back(s);
  }
  return p;
}

TEST(PreviewSummary, CountsChangesByKindInTheOrderAChangeReads) {
  const struct {
    std::vector<std::string> kinds;
    const char* text;
  } cases[] = {
      {{"terminate", "create", "wait", "scale_out", "create"},
       "Plan: 2 to create, 1 to scale out, 1 to terminate; 1 wait."},
      {{"restart", "restart", "scale_in", "wait", "wait"},
       "Plan: 2 to restart, 1 to scale in; 2 waits."},
      {{"scheduler"}, "Plan: 1 to reconfigure."},
      {{"wait"}, "Plan: no changes; 1 wait."},
      {{}, "Plan: no changes."},
  };
  for (const auto& c : cases)
    EXPECT_EQ(change_counts(with_kinds(c.kinds)), c.text);
  EXPECT_EQ(change_counts(with_kinds({"terminate"}), /*colour=*/true),
            "Plan: \033[31m1 to terminate\033[0m.");
}

TEST(PreviewSummary, BudgetVerdict) {
  planner::Plan plan;
  planner::Preview p = with_kinds({"create"});
  EXPECT_EQ(budget_verdict(p, plan), "") << "no budget, no verdict";
  plan.budget = planner::Budget{};
  plan.budget->max_total = 800;
  p.window_cost = planner::Money{4.5, 4.37};
  EXPECT_EQ(budget_verdict(p, plan), "Budget: 4.37 of 800 CNY in the window: within budget.");
  p.budget_violations = {"window cost 900 > 800"};
  p.window_cost = planner::Money{900, 900};
  EXPECT_EQ(budget_verdict(p, plan), "Budget: 900 of 800 CNY in the window: OVER BUDGET.");
  p.budget_violations.clear();
  p.window_cost.reset();
  p.unknown_prices = 1;
  EXPECT_EQ(budget_verdict(p, plan),
            "Budget: unknown of 800 CNY in the window: not checked (prices unknown).");
  p.pricing_failures = {"step 'grow': InquiryPriceScaleOutInstance failed: timeout"};
  EXPECT_EQ(budget_verdict(p, plan),
            "Budget: unknown of 800 CNY in the window: not checked (pricing failed).");
}

}  // namespace preview_summary_test
}  // namespace tcplan::cli
