// [[steps]] -> Step: every key checked, typed and located; the plan's defaults and each kind's
// default action and version applied.
#include <algorithm>

#include "api/catalog.h"
#include "planner/fleet_query.h"
#include "planner/plan_reader.h"

namespace tcplan::planner {

namespace json = boost::json;

namespace {

class StepReader {
 public:
  StepReader(PlanReader& reader, Plan& plan) : r_(reader), plan_(plan), d_(reader.diags()) {}

  void steps(const toml::table& root) {
    const toml::node* n = root.get("steps");
    if (n == nullptr) {
      d_.error({1, 1}, "the plan has no steps (add a [[steps]] table)");
      return;
    }
    const toml::array* arr = n->as_array();
    if (arr == nullptr || !arr->is_array_of_tables()) {
      d_.error(where(*n), "'steps' must be an array of tables ([[steps]])");
      return;
    }
    for (const auto& el : *arr) {
      Step s;
      if (step(*el.as_table(), &s, false)) {
        if (s.after_given) {
          // kept as written
        } else if (!plan_.steps.empty()) {
          s.after = {plan_.steps.back().id};
        }
        plan_.steps.push_back(std::move(s));
      }
    }
    plan_.rebuild_index();
  }

  static void kind_defaults(Step* s) {
    const bool no_action = s->action.empty();
    if (s->service.empty()) s->service = "emr";
    switch (s->kind) {
      case StepKind::kCreate:
        if (no_action) s->action = "CreateInstance";
        break;
      case StepKind::kScaleOut:
        if (no_action) s->action = "ScaleOutInstance";
        break;
      case StepKind::kScaleIn:
        if (no_action) s->action = "TerminateTasks";
        break;
      case StepKind::kRestart:
        if (no_action) s->action = "StartStopServiceOrMonitor";
        if (s->action == "StartStopServiceOrMonitor" && !s->params.contains("OpType")) {
          s->params["OpType"] = "RestartService";
        }
        break;
      case StepKind::kTerminate:
        if (no_action) s->action = s->service == "emr" ? "TerminateInstance" : "TerminateInstances";
        break;
      case StepKind::kScheduler:
        if (no_action) s->action = "ModifyResourceScheduler";
        break;
      case StepKind::kWait:
        if (no_action) {
          s->action = s->until.empty() ? "DescribeClusterFlowStatusDetail" : "DescribeInstances";
        }
        break;
      case StepKind::kCall:
        break;
    }
    // The service's default version, as the catalog records it (an unknown service is
    // reported by validation).
    if (s->version.empty()) {
      if (const auto* svc = api::Catalog::builtin().service(s->service)) s->version = svc->version;
    }
  }

  bool step(const toml::table& t, Step* s, bool is_undo) {
    s->is_undo = is_undo;
    s->at = where(t);
    const std::string ctx = is_undo ? "in [[steps.undo]]" : "in [[steps]]";
    r_.check_keys(t, {"id",       "kind",         "service",     "action",
                      "version",  "region",       "after",       "params",
                      "timeout",  "poll",         "retry",       "on_failure",
                      "for_each", "max_parallel", "description", "allow_terminate",
                      "price",    "undo",         "select",      "cluster",
                      "flow",     "trace",        "until"},
                  ctx);
    if (!r_.get_string(t, "id", &s->id, &s->id_at)) {
      if (!t.get("id")) d_.error(s->at, "step has no 'id'");
      s->id = "#" + std::to_string(plan_.steps.size() + 1);
    }
    std::string kind;
    if (r_.get_string(t, "kind", &kind, &s->kind_at)) {
      if (auto k = step_kind_from(kind)) {
        s->kind = *k;
      } else {
        d_.error(s->kind_at,
                 "unknown step kind '" + kind + "'" +
                     did_you_mean(kind, {"create", "wait", "scale_out", "scale_in", "restart",
                                         "terminate", "scheduler", "call"}) +
                     "; expected create, wait, scale_out, scale_in, restart, terminate, "
                     "scheduler or call");
        return false;
      }
    } else {
      if (!t.get("kind")) d_.error(s->at, "step '" + s->id + "' has no 'kind'");
      return false;
    }
    const std::string what = " of step '" + s->id + "'";
    r_.get_string(t, "service", &s->service, &s->service_at);
    r_.get_string(t, "action", &s->action, &s->action_at);
    r_.get_string(t, "version", &s->version, &s->version_at);
    r_.get_string(t, "region", &s->region);
    if (s->region.empty()) s->region = plan_.region;
    r_.get_string(t, "description", &s->description);
    r_.get_bool(t, "allow_terminate", &s->allow_terminate, &s->allow_terminate_at);

    if (const auto* a = t.get("after")) {
      s->after_at = where(*a);
      s->after_given = true;
      if (const auto* arr = a->as_array()) {
        for (const auto& el : *arr) {
          if (const auto* str = el.as_string()) {
            s->after.push_back(str->get());
            s->after_item_at.push_back(where(el));
          } else {
            d_.error(where(el),
                     "'after' lists step ids (strings), not " + std::string(type_name(el)));
          }
        }
      } else {
        r_.type_error(*a, "after", "a list of step ids");
      }
      if (is_undo)
        d_.error(s->after_at,
                 "'after' is not allowed in [[steps.undo]]: undo steps run in reverse order");
    }

    if (const auto* p = t.get("params")) {
      s->params_at = where(*p);
      if (const auto* pt = r_.get_table(*p, "params")) {
        s->params_node = pt;
        if (auto j = r_.to_json(*p, 0)) s->params = std::move(j->as_object());
      }
    }

    s->timeout = plan_.defaults.timeout;
    s->poll = plan_.defaults.poll;
    s->retry = plan_.defaults.retry;
    s->on_failure = plan_.defaults.on_failure;
    if (const auto* n = t.get("timeout")) s->timeout_at = where(*n);
    r_.get_duration(t, "timeout", &s->timeout);
    r_.get_duration(t, "poll", &s->poll);
    if (const auto* r = t.get("retry")) r_.retry(*r, &s->retry);
    r_.on_failure(t, &s->on_failure);

    if (const auto* f = t.get("for_each")) {
      s->for_each_at = where(*f);
      if (f->is_array() || f->is_string()) {
        if (auto j = r_.to_json(*f, 0)) s->for_each = std::move(*j);
      } else if (const toml::table* query = f->as_table()) {
        FleetQuery q;
        if (read_fleet_query(r_, *query, &q)) {
          s->for_each = query_json(q);
          s->for_each_query = std::move(q);
        }
      } else {
        r_.type_error(*f, "for_each",
                      "a list, a reference to one (\"${vars.NAME}\") or a query table "
                      "({ tags = { team = \"data\" } })");
      }
      if (is_undo) d_.error(s->for_each_at, "'for_each' is not allowed in [[steps.undo]]");
    }
    std::int64_t mp = 0;
    if (r_.get_int(t, "max_parallel", &mp, &s->max_parallel_at)) {
      if (mp < 1) {
        d_.error(s->max_parallel_at, "max_parallel must be at least 1");
      } else if (!t.get("for_each")) {
        d_.error(s->max_parallel_at, "max_parallel only applies to a step with for_each");
      } else {
        s->max_parallel = static_cast<int>(std::min<std::int64_t>(mp, 1'000'000));
      }
    }

    // Keys that belong to one kind only.
    const bool wait = s->kind == StepKind::kWait;
    for (const char* key : {"cluster", "flow", "trace", "until"}) {
      if (const auto* n = t.get(key); n && !wait) {
        d_.error(where(*n), std::string("'") + key + "' is only allowed on wait steps" + what);
      }
    }
    if (wait) {
      r_.get_string(t, "cluster", &s->cluster, &s->cluster_at);
      r_.get_string(t, "flow", &s->flow, &s->flow_at);
      r_.get_string(t, "trace", &s->trace, &s->trace_at);
      r_.get_string(t, "until", &s->until, &s->until_at);
      if (const auto* p = t.get("params")) {
        d_.error(where(*p), "a wait step takes cluster and flow/trace/until, not params");
      }
    }
    if (const auto* n = t.get("select")) {
      if (s->kind != StepKind::kScaleIn) {
        d_.error(where(*n), "[steps.select] is only allowed on scale_in steps" + what);
      } else {
        select(*n, s);
      }
    }
    if (const auto* n = t.get("price")) price(*n, s);
    if (const auto* n = t.get("undo")) {
      if (is_undo) {
        d_.error(where(*n), "[[steps.undo]] cannot have an undo of its own");
      } else if (const auto* arr = n->as_array(); arr && arr->is_array_of_tables()) {
        for (const auto& el : *arr) {
          Step u;
          if (step(*el.as_table(), &u, true)) s->undo.push_back(std::move(u));
        }
      } else {
        d_.error(where(*n), "'undo' must be an array of tables ([[steps.undo]])");
      }
    }
    kind_defaults(s);
    return true;
  }

  void select(const toml::node& n, Step* s) {
    const toml::table* t = r_.get_table(n, "select");
    if (!t) return;
    r_.check_keys(*t, {"node_flag", "added_by", "newest"}, "in [steps.select]");
    Selection sel;
    sel.at = where(n);
    if (r_.get_string(*t, "node_flag", &sel.node_flag, &sel.node_flag_at)) {
      if (sel.node_flag != "task" && sel.node_flag != "core" && sel.node_flag != "router") {
        d_.error(sel.node_flag_at, "node_flag must be task, core or router, not \"" +
                                       sel.node_flag + "\"" +
                                       did_you_mean(sel.node_flag, {"task", "core", "router"}));
      }
    } else if (!t->get("node_flag")) {
      d_.error(sel.at, "[steps.select] needs node_flag (task, core or router)");
    }
    r_.get_string(*t, "added_by", &sel.added_by, &sel.added_by_at);
    if (r_.get_int(*t, "newest", &sel.newest, &sel.newest_at) && sel.newest < 1) {
      d_.error(sel.newest_at, "newest must be at least 1");
    }
    const bool by = t->get("added_by") != nullptr, newest = t->get("newest") != nullptr;
    if (by == newest) {
      d_.error(sel.at, "[steps.select] needs exactly one of added_by or newest");
    }
    s->select = std::move(sel);
  }

  void price(const toml::node& n, Step* s) {
    const toml::table* t = r_.get_table(n, "price");
    if (!t) return;
    r_.check_keys(*t, {"service", "action", "version", "params"}, "in [steps.price]");
    PriceInquiry p;
    p.at = where(n);
    r_.get_string(*t, "service", &p.service);
    if (!r_.get_string(*t, "action", &p.action, &p.action_at) && !t->get("action")) {
      d_.error(p.at, "[steps.price] needs 'action' (an InquiryPrice* action)");
    }
    r_.get_string(*t, "version", &p.version);
    if (const auto* pn = t->get("params")) {
      if (const auto* pt = r_.get_table(*pn, "params")) {
        p.params_node = pt;
        if (auto j = r_.to_json(*pn, 0)) p.params = std::move(j->as_object());
      }
    }
    s->price = std::move(p);
  }

 private:
  PlanReader& r_;
  Plan& plan_;
  Diagnostics& d_;
};

}  // namespace

void read_steps(PlanReader& reader, const toml::table& root, Plan& plan) {
  StepReader(reader, plan).steps(root);
}

}  // namespace tcplan::planner
