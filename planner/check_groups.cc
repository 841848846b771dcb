// [[groups]]: the list the group runs over, its canary against the number of items, and the
// `after` entries of steps and groups: a step inside a group runs once per item, so only the
// whole group (its id, or its last step) can be waited for from outside it.
#include <string>

#include "planner/plan_checks.h"
#include "planner/reference.h"

namespace tcplan::planner::checks {

namespace json = boost::json;

namespace {

// The number of items when the plan says it offline: a literal list or a list var.
std::optional<std::size_t> static_items(const Plan& plan, const json::value& list) {
  if (list.is_array()) return list.as_array().size();
  if (!list.is_string()) return std::nullopt;
  auto t = parse_template(list.as_string());
  if (!t.ok() || t->whole() == nullptr || t->whole()->kind != Reference::Kind::kVar) {
    return std::nullopt;
  }
  const json::value* v = plan.vars.if_contains(t->whole()->name);
  if (v == nullptr || !v->is_array()) return std::nullopt;
  return v->as_array().size();
}

// `dep`, named in the `after` of a step outside group `own` (or of a group's first step), must
// not be a step inside another group other than its last.
void check_after_entry(Context& c, const std::string& dep, Location at, int own) {
  const Step* target = c.plan.step(dep);
  if (target == nullptr || target->group < 0 || target->group == own) return;
  const Group& g = c.plan.groups[static_cast<std::size_t>(target->group)];
  const Step& last = c.plan.steps[g.first + g.count - 1];
  if (last.id == dep) return;  // the group's last step: every item has passed it
  c.diags.error(at, "'" + dep + "' is a step of group '" + g.id +
                        "', which runs once per item: run after the whole group ('" + g.id + "')");
}

}  // namespace

void check_groups(Context& c) {
  for (std::size_t gi = 0; gi < c.plan.groups.size(); ++gi) {
    const Group& g = c.plan.groups[gi];
    if (g.for_each.is_null()) continue;  // reported by the parser
    check_fan_out_list(c, g.for_each, g.for_each_at);
    const auto items = static_items(c.plan, g.for_each);
    if (items && g.canary > 0 && static_cast<std::size_t>(g.canary) >= *items && *items > 0) {
      c.diags.error(g.canary_at, "canary = " + std::to_string(g.canary) + " but group '" + g.id +
                                     "' has " + std::to_string(*items) +
                                     " items: the canary must leave some items to follow it");
    }
    if (items && !g.max_failures_percent && g.max_failures > 0 &&
        static_cast<std::size_t>(g.max_failures) >= *items) {
      c.diags.warning(g.max_failures_at, "max_failures = " + std::to_string(g.max_failures) +
                                             " tolerates every one of the " +
                                             std::to_string(*items) + " items of group '" + g.id +
                                             "' failing: the rollout never stops early");
    }
    for (std::size_t k = 0; k < g.after.size(); ++k) {
      const Location at = k < g.after_item_at.size() ? g.after_item_at[k] : g.after_at;
      check_after_entry(c, g.after[k], at, static_cast<int>(gi));
    }
  }
  for (const Step& s : c.plan.steps) {
    if (s.group >= 0) continue;  // a group's steps run after each other, per item
    for (std::size_t k = 0; k < s.after.size(); ++k) {
      const Location at = k < s.after_item_at.size() ? s.after_item_at[k] : s.after_at;
      check_after_entry(c, s.after[k], at, -1);
    }
  }
}

}  // namespace tcplan::planner::checks
