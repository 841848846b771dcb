// The preview's sums: how long each billable step's addition is billed inside the change
// window, the totals and the budget gate, and each group's cost per item and over all items.
#include "planner/preview_totals.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

namespace tcplan::planner {

namespace json = boost::json;

namespace {

// The later step that removes what step i adds: a scale_in selecting its nodes, or a
// terminate of the cluster it created.
int find_remover(const Plan& plan, std::size_t i) {
  const Step& s = plan.steps[i];
  for (std::size_t j = i + 1; j < plan.steps.size(); ++j) {
    const Step& later = plan.steps[j];
    if (later.kind == StepKind::kScaleIn && later.select && later.select->added_by == s.id) {
      return static_cast<int>(j);
    }
    if (s.kind == StepKind::kCreate && later.kind == StepKind::kTerminate) {
      const json::value* id = later.params.if_contains("InstanceId");
      if (id && id->is_string() &&
          std::string_view(id->as_string()).find("${steps." + s.id + ".InstanceId}") !=
              std::string_view::npos) {
        return static_cast<int>(j);
      }
    }
  }
  return -1;
}

}  // namespace

// Steps are assumed to take their full timeout, one after another in file order: an upper
// bound that keeps the estimate on the safe side of the budget.
void add_window_costs(const Plan& plan, Preview& out) {
  std::vector<double> start(plan.steps.size(), 0);
  double t = 0;
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    start[i] = t;
    t += std::chrono::duration<double, std::ratio<3600>>(plan.steps[i].timeout).count();
  }
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    StepPreview& p = out.steps[i];
    if (!p.price) continue;
    const int remover = find_remover(plan, i);
    double hours = 0;
    if (remover >= 0) {
      p.removed_by = plan.steps[remover].id;
      hours = start[remover] - start[i];
      if (out.window_hours) hours = std::min(hours, *out.window_hours);
    } else if (out.window_hours) {
      hours = std::max(0.0, *out.window_hours - std::min(start[i], *out.window_hours));
    } else {
      continue;  // kept until someone removes it: no window to bound the estimate
    }
    p.window_hours = hours;
    p.window_cost = Money{p.price->hourly.original * hours, p.price->hourly.discounted * hours};
  }
}

void add_totals(const Plan& plan, Preview& out) {
  Money hourly, window;
  bool window_known = true;
  for (const StepPreview& p : out.steps) {
    for (const auto& x : p.problems)
      out.problems.push_back("step '" + p.id + "': " + x);
    for (const auto& ip : p.items) {
      for (const auto& x : ip.problems)
        out.problems.push_back("step '" + ip.label + "': " + x);
    }
    for (const auto& w : p.warnings)
      out.duplicates.push_back("step '" + p.id + "': " + w);
    if (!p.billable) continue;
    if (!p.price) {
      ++out.unknown_prices;
      continue;
    }
    hourly.original += p.price->hourly.original;
    hourly.discounted += p.price->hourly.discounted;
    if (p.window_cost) {
      window.original += p.window_cost->original;
      window.discounted += p.window_cost->discounted;
    } else {
      window_known = false;
    }
  }
  if (out.unknown_prices == 0) {
    out.hourly = hourly;
    if (window_known && out.window_hours) out.window_cost = window;
    if (window_known && !out.window_hours) {
      // Without a window, only steps removed later in the plan have a bounded cost.
      bool any_billable = false;
      for (const auto& p : out.steps)
        any_billable = any_billable || p.billable;
      if (any_billable) out.window_cost = window;
    }
  }
  if (!plan.budget) return;
  // A price that could not be read is a failed dry run (in problems), not a budget verdict.
  const bool judge_unknown = out.pricing_failures.empty();
  const Budget& b = *plan.budget;
  char buf[160];
  if (b.max_hourly) {
    if (!out.hourly) {
      if (judge_unknown) {
        out.budget_violations.push_back(
            "max_hourly cannot be checked: " + std::to_string(out.unknown_prices) +
            " step price(s) are unknown");
      }
    } else if (out.hourly->discounted > *b.max_hourly) {
      std::snprintf(buf, sizeof buf, "added hourly spend %.2f %s exceeds max_hourly %.2f",
                    out.hourly->discounted, b.currency.c_str(), *b.max_hourly);
      out.budget_violations.push_back(buf);
    }
  }
  if (b.max_total) {
    if (!out.window_cost) {
      if (judge_unknown) {
        out.budget_violations.push_back(
            "max_total cannot be checked: the window's cost is unknown" +
            std::string(out.unknown_prices ? " (" + std::to_string(out.unknown_prices) +
                                                 " step price(s) are unknown)"
                                           : " (the plan has no [window])"));
      }
    } else if (out.window_cost->discounted > *b.max_total) {
      std::snprintf(buf, sizeof buf, "estimated window cost %.2f %s exceeds max_total %.2f",
                    out.window_cost->discounted, b.currency.c_str(), *b.max_total);
      out.budget_violations.push_back(buf);
    }
  }
}

void add_group_totals(const Plan& plan, Preview& out) {
  for (const Group& g : plan.groups) {
    GroupPreview gp;
    gp.id = g.id;
    Money hourly, window;
    bool hourly_known = true, window_known = true;
    for (const StepPreview& p : out.steps) {
      if (p.group != g.id) continue;
      gp.items = p.items.size();
      if (!p.billable) continue;
      if (!p.price) {
        hourly_known = window_known = false;
        continue;
      }
      hourly.original += p.price->hourly.original;
      hourly.discounted += p.price->hourly.discounted;
      if (p.window_cost) {
        window.original += p.window_cost->original;
        window.discounted += p.window_cost->discounted;
      } else {
        window_known = false;
      }
    }
    const double n = static_cast<double>(std::max<std::size_t>(gp.items, 1));
    const auto per = [n](const Money& m) { return Money{m.original / n, m.discounted / n}; };
    if (hourly_known) {
      gp.hourly = hourly;
      gp.hourly_per_item = per(hourly);
    }
    if (window_known) {
      gp.window_cost = window;
      gp.window_per_item = per(window);
    }
    out.groups.push_back(std::move(gp));
  }
}

}  // namespace tcplan::planner
