// The sums behind `tcplan plan` (internal to the planner; preview.cc calls them in this order
// once every step has been read and priced): window costs, totals and the budget gate, and the
// cost of each [[groups]] pipeline per item and over all its items.
#pragma once

#include "planner/plan.h"
#include "planner/preview.h"

namespace tcplan::planner {

// Steps are assumed to take their full timeout, one after another in file order: an upper
// bound that keeps the estimate on the safe side of the budget.
void add_window_costs(const Plan& plan, Preview& out);
// Totals over the steps (unknown when any price is), the dry run's problems (each item's too)
// and repeated creates, and the budget (not judged on prices that failed to be read: those
// are problems). Call with out.pricing_failures set.
void add_totals(const Plan& plan, Preview& out);
// Each group's steps added up: all items, and one item on average.
void add_group_totals(const Plan& plan, Preview& out);

}  // namespace tcplan::planner
