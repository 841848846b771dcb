#include "executor/cluster_locks.h"

#include <boost/json/value.hpp>
#include <set>

#include "api/catalog.h"
#include "planner/resolve.h"

namespace tcplan::executor {

std::vector<std::string> cluster_locks(const planner::Plan& plan, const std::string& run_id,
                                       const planner::Fleets* fleets) {
  std::set<std::string> out;
  planner::ResolveContext ctx;
  ctx.plan = &plan;
  ctx.run_id = run_id;
  ctx.fleets = fleets;
  auto visit = [&](const planner::Step& step) {
    if (step.kind == planner::StepKind::kWait || step.service != "emr") return;
    const auto* spec = api::Catalog::builtin().find(step.service, step.action, step.version);
    if (spec && !spec->mutating) return;
    auto* id = step.params.if_contains("InstanceId");
    if (!id) return;
    std::vector<boost::json::value> items{boost::json::value(nullptr)};
    if (step.for_each) {
      auto list = planner::resolve_for_each(step, ctx);
      if (!list) return;
      items.assign(list->begin(), list->end());
    }
    for (const auto& item : items) {
      auto c = ctx;
      c.item = step.for_each ? &item : nullptr;
      auto v = planner::resolve_value(*id, c);
      if (v && v->is_string() && v->as_string().starts_with("emr-")) {
        out.insert("cluster:" + std::string(v->as_string()));
      }
    }
  };
  for (const auto& s : plan.steps)
    visit(s);
  return {out.begin(), out.end()};
}

}  // namespace tcplan::executor
