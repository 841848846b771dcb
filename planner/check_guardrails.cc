// [guardrails]: how many nodes one step may add or remove. Counted from what the plan says
// offline: the scale-out counts, the ids a scale-in lists, its `newest`, or what the step it
// names in `added_by` adds.
#include <algorithm>
#include <cctype>
#include <string>

#include "planner/plan_checks.h"

namespace tcplan::planner::checks {

namespace json = boost::json;

namespace {

std::optional<std::int64_t> int_param(const json::object& p, std::string_view key) {
  const json::value* v = p.if_contains(key);
  if (v && v->is_int64()) return v->as_int64();
  return std::nullopt;
}

}  // namespace

std::int64_t scale_out_nodes(const json::object& p, std::string_view flag) {
  std::int64_t n = 0;
  for (auto [key, f] : {std::pair{"TaskCount", "task"}, std::pair{"CoreCount", "core"},
                        std::pair{"RouterCount", "router"}, std::pair{"MasterCount", "master"}}) {
    if (flag.empty() || flag == f) n += int_param(p, key).value_or(0);
  }
  if (const json::value* cfg = p.if_contains("ScaleOutNodeConfig"); cfg && cfg->is_object()) {
    std::string nf;
    if (const auto* x = cfg->as_object().if_contains("NodeFlag"); x && x->is_string())
      nf = x->as_string();
    std::transform(nf.begin(), nf.end(), nf.begin(), ::tolower);
    if (flag.empty() || flag == nf) n += int_param(cfg->as_object(), "NodeCount").value_or(0);
  }
  return n;
}

void check_guardrails(Context& c, const Step& s, const json::object& p) {
  const Guardrails& g = c.plan.guardrails;
  if (s.kind == StepKind::kScaleOut && g.max_scale_out_nodes) {
    const std::int64_t n = scale_out_nodes(p, "");
    if (n > *g.max_scale_out_nodes) {
      c.diags.error(s.params_at.line ? s.params_at : s.at,
                    "step '" + s.id + "' adds " + std::to_string(n) +
                        " nodes, more than guardrails.max_scale_out_nodes = " +
                        std::to_string(*g.max_scale_out_nodes));
    }
  }
  if (s.kind == StepKind::kScaleIn && g.max_scale_in_nodes) {
    std::int64_t n = 0;
    Location at = s.params_at.line ? s.params_at : s.at;
    if (s.select) {
      at = s.select->at;
      if (s.select->newest > 0) {
        n = s.select->newest;
        at = s.select->newest_at;
      } else if (const Step* src = c.plan.step(s.select->added_by)) {
        json::object sp = c.values.substitute(json::value(src->params), *src).as_object();
        n = scale_out_nodes(sp, s.select->node_flag);
        at = s.select->added_by_at;
      }
    } else {
      for (const char* key : {"ResourceIds", "CvmInstanceIds"}) {
        if (const auto* v = p.if_contains(key); v && v->is_array()) {
          n += static_cast<std::int64_t>(v->as_array().size());
          at = c.plan.locate_param(s, key);
        }
      }
    }
    if (n > *g.max_scale_in_nodes) {
      c.diags.error(at, "step '" + s.id + "' removes " + std::to_string(n) +
                            " nodes, more than guardrails.max_scale_in_nodes = " +
                            std::to_string(*g.max_scale_in_nodes));
    }
  }
}

}  // namespace tcplan::planner::checks
