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

  // [[steps]] and [[groups]] in file order: a step written after a group runs after it by
  // default, as it would after a step.
  void steps(const toml::table& root) {
    struct Element {
      Location at;
      const toml::table* table;
      bool group;
    };
    std::vector<Element> elements;
    const auto collect = [&](const char* key, bool group) {
      const toml::node* n = root.get(key);
      if (n == nullptr) return;
      const toml::array* arr = n->as_array();
      if (arr == nullptr || !arr->is_array_of_tables()) {
        d_.error(where(*n),
                 std::string("'") + key + "' must be an array of tables ([[" + key + "]])");
        return;
      }
      for (const auto& el : *arr)
        elements.push_back({where(el), el.as_table(), group});
    };
    collect("steps", false);
    collect("groups", true);
    if (root.get("steps") == nullptr && root.get("groups") == nullptr) {
      d_.error({1, 1}, "the plan has no steps (add a [[steps]] table)");
      return;
    }
    std::stable_sort(elements.begin(), elements.end(), [](const Element& a, const Element& b) {
      return a.at.line != b.at.line ? a.at.line < b.at.line : a.at.column < b.at.column;
    });
    for (const Element& e : elements) {
      if (e.group) {
        group(*e.table);
        continue;
      }
      Step s;
      if (step(*e.table, &s, false, -1)) {
        if (!s.after_given && !plan_.steps.empty()) s.after = {plan_.steps.back().id};
        plan_.steps.push_back(std::move(s));
      }
    }
    // `after` may name a group: it means the group's last step, which every item passes.
    const auto resolve_groups = [&](std::vector<std::string>& after) {
      for (auto& dep : after) {
        const Group* g = plan_.group(dep);
        if (g != nullptr && g->count > 0 && plan_.index_of(dep) < 0) {
          dep = plan_.steps[g->first + g->count - 1].id;
        }
      }
    };
    plan_.rebuild_index();
    for (auto& st : plan_.steps) {
      if (st.group < 0 || st.id == plan_.steps[plan_.groups[st.group].first].id)
        resolve_groups(st.after);
    }
    for (auto& g : plan_.groups)
      resolve_groups(g.after);
  }

  void group(const toml::table& t) {
    Group g;
    g.at = where(t);
    r_.check_keys(t,
                  {"id", "description", "for_each", "max_parallel", "canary", "max_failures",
                   "after", "on_failure", "steps"},
                  "in [[groups]]");
    if (!r_.get_string(t, "id", &g.id, &g.id_at)) {
      if (!t.get("id")) d_.error(g.at, "group has no 'id'");
      g.id = "#group" + std::to_string(plan_.groups.size() + 1);
    }
    const std::string what = " of group '" + g.id + "'";
    r_.get_string(t, "description", &g.description);
    if (const auto* f = t.get("for_each")) {
      g.for_each_at = where(*f);
      for_each(*f, &g.for_each, &g.for_each_query);
    } else {
      d_.error(g.at, "group '" + g.id + "' needs 'for_each': the list its steps run over");
    }
    std::int64_t n = 0;
    if (r_.get_int(t, "max_parallel", &n, &g.max_parallel_at)) {
      if (n < 1) {
        d_.error(g.max_parallel_at, "max_parallel must be at least 1");
      } else {
        g.max_parallel = static_cast<int>(std::min<std::int64_t>(n, 1'000'000));
      }
    }
    if (r_.get_int(t, "canary", &n, &g.canary_at)) {
      if (n < 1) {
        d_.error(g.canary_at, "canary must be at least 1 (leave it out for no canary)");
      } else {
        g.canary = static_cast<int>(std::min<std::int64_t>(n, 1'000'000));
      }
    }
    if (const auto* m = t.get("max_failures")) {
      g.max_failures_at = where(*m);
      max_failures(*m, &g);
    }
    // The rest of the plan when the group fails; a failed item is undone by its own steps'
    // on_failure = "rollback".
    g.on_failure = plan_.defaults.on_failure == OnFailure::kRollback ? OnFailure::kStop
                                                                     : plan_.defaults.on_failure;
    if (const auto* o = t.get("on_failure")) {
      g.on_failure_at = where(*o);
      OnFailure f = g.on_failure;
      if (r_.on_failure(t, &f)) {
        if (f == OnFailure::kRollback) {
          d_.error(g.on_failure_at,
                   "a group's on_failure is stop or continue; to undo what a failed item did, "
                   "set on_failure = \"rollback\" on the group's steps");
        } else {
          g.on_failure = f;
        }
      }
    }
    if (const auto* a = t.get("after")) {
      g.after_at = where(*a);
      g.after_given = true;
      read_after(*a, &g.after, &g.after_item_at);
    } else if (!plan_.steps.empty()) {
      g.after = {plan_.steps.back().id};
    }
    const int index = static_cast<int>(plan_.groups.size());
    g.first = plan_.steps.size();
    const toml::node* sn = t.get("steps");
    const toml::array* arr = sn ? sn->as_array() : nullptr;
    if (sn == nullptr) {
      d_.error(g.at, "group '" + g.id + "' has no steps (add [[groups.steps]] tables)");
    } else if (arr == nullptr || !arr->is_array_of_tables()) {
      d_.error(where(*sn), "'steps'" + what + " must be an array of tables ([[groups.steps]])");
    } else {
      if (arr->empty()) d_.error(where(*sn), "group '" + g.id + "' has no steps");
      for (const auto& el : *arr) {
        Step s;
        if (!step(*el.as_table(), &s, false, index)) continue;
        s.for_each = g.for_each.is_null() ? std::nullopt : std::optional<json::value>(g.for_each);
        s.for_each_query = g.for_each_query;
        s.for_each_at = g.for_each_at;
        // Each item runs the group's steps in order; the first runs after the group's `after`.
        s.after = plan_.steps.size() == g.first ? g.after
                                                : std::vector<std::string>{plan_.steps.back().id};
        s.after_at = plan_.steps.size() == g.first ? g.after_at : Location{};
        s.after_item_at = plan_.steps.size() == g.first ? g.after_item_at : std::vector<Location>{};
        s.after_given = true;
        plan_.steps.push_back(std::move(s));
      }
    }
    g.count = plan_.steps.size() - g.first;
    plan_.groups.push_back(std::move(g));
  }

  // for_each of a step or a group: a list, one reference to a list, or a query table (kept as
  // JSON in `list` too, so that a non-null list alone says "fans out").
  void for_each(const toml::node& f, json::value* list, std::optional<FleetQuery>* query) {
    if (f.is_array() || f.is_string()) {
      if (auto j = r_.to_json(f, 0)) *list = std::move(*j);
    } else if (const toml::table* table = f.as_table()) {
      FleetQuery q;
      if (read_fleet_query(r_, *table, &q)) {
        *list = query_json(q);
        *query = std::move(q);
      }
    } else {
      r_.type_error(f, "for_each",
                    "a list, a reference to one (\"${vars.NAME}\") or a query table "
                    "({ tags = { team = \"data\" } })");
    }
  }

  // max_failures = N, or "N%" of the group's items.
  void max_failures(const toml::node& m, Group* g) {
    if (const auto* i = m.as_integer()) {
      if (i->get() < 0) {
        d_.error(g->max_failures_at, "max_failures must not be negative");
      } else {
        g->max_failures = std::min<std::int64_t>(i->get(), 1'000'000'000);
      }
      return;
    }
    if (const auto* s = m.as_string()) {
      const std::string& text = s->get();
      std::int64_t pct = -1;
      if (text.size() >= 2 && text.size() <= 4 && text.back() == '%' &&
          std::all_of(text.begin(), text.end() - 1, [](char c) { return c >= '0' && c <= '9'; })) {
        pct = std::stoll(text.substr(0, text.size() - 1));
      }
      if (pct < 0 || pct > 100) {
        d_.error(g->max_failures_at,
                 "max_failures must be a number of items or a percentage from \"0%\" to "
                 "\"100%\", not \"" +
                     text + "\"");
        return;
      }
      g->max_failures = pct;
      g->max_failures_percent = true;
      return;
    }
    r_.type_error(m, "max_failures", "a number of items or a percentage (\"10%\")");
  }

  void read_after(const toml::node& a, std::vector<std::string>* out, std::vector<Location>* at) {
    if (const auto* arr = a.as_array()) {
      for (const auto& el : *arr) {
        if (const auto* str = el.as_string()) {
          out->push_back(str->get());
          at->push_back(where(el));
        } else {
          d_.error(where(el),
                   "'after' lists step ids (strings), not " + std::string(type_name(el)));
        }
      }
    } else {
      r_.type_error(a, "after", "a list of step ids");
    }
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

  // `group`: the index of the group the step (or the step it undoes) belongs to, or -1.
  bool step(const toml::table& t, Step* s, bool is_undo, int group) {
    s->is_undo = is_undo;
    s->group = group;
    s->at = where(t);
    const bool in_group = group >= 0 && !is_undo;
    const std::string ctx = is_undo
                                ? (group >= 0 ? "in [[groups.steps.undo]]" : "in [[steps.undo]]")
                            : in_group ? "in [[groups.steps]]"
                                       : "in [[steps]]";
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
      read_after(*a, &s->after, &s->after_item_at);
      if (is_undo) {
        d_.error(s->after_at,
                 "'after' is not allowed in [[steps.undo]]: undo steps run in reverse order");
      } else if (in_group) {
        d_.error(s->after_at,
                 "'after' is not allowed in [[groups.steps]]: each item runs its group's steps in "
                 "order (give the group an 'after')");
      }
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
    if (r_.on_failure(t, &s->on_failure) && in_group && s->on_failure == OnFailure::kContinue) {
      d_.error(where(*t.get("on_failure")),
               "on_failure = \"continue\" has no meaning in [[groups.steps]]: a failed step ends "
               "its item; use the group's max_failures to let the rollout go on past failed items");
    }
    // Inside a group a failed step always ends its item: an inherited "continue" means stop.
    if (in_group && s->on_failure == OnFailure::kContinue) s->on_failure = OnFailure::kStop;

    if (const auto* f = t.get("for_each")) {
      s->for_each_at = where(*f);
      json::value list;
      for_each(*f, &list, &s->for_each_query);
      if (!list.is_null()) s->for_each = std::move(list);
      if (is_undo) d_.error(s->for_each_at, "'for_each' is not allowed in [[steps.undo]]");
      if (in_group) {
        d_.error(s->for_each_at,
                 "'for_each' is not allowed in [[groups.steps]]: the group's for_each gives every "
                 "step its item");
      }
    }
    std::int64_t mp = 0;
    if (r_.get_int(t, "max_parallel", &mp, &s->max_parallel_at)) {
      if (mp < 1) {
        d_.error(s->max_parallel_at, "max_parallel must be at least 1");
      } else if (in_group) {
        d_.error(s->max_parallel_at,
                 "max_parallel is the group's in [[groups.steps]]: set it on the [[groups]] table");
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
          if (step(*el.as_table(), &u, true, group)) s->undo.push_back(std::move(u));
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
