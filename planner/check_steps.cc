// Per-step checks that need no catalog params: kind and action, terminations, ClientToken,
// waits, for_each and scale-in selection; and the change window.
#include <toml++/toml.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "api/catalog.h"
#include "base/duration.h"
#include "planner/plan_checks.h"
#include "planner/reference.h"
#include "planner/validate.h"

namespace tcplan::planner::checks {

namespace json = boost::json;

namespace {

// Reports a kind/action mismatch or a service, action or version the catalog lacks; returns
// the action's spec when there is one.
const api::ActionSpec* action_spec(Context& c, const Step& s) {
  if (!kind_allows_action(s.kind, s.service, s.action)) {
    c.diags.error(
        s.action_at.line ? s.action_at : (s.service_at.line ? s.service_at : s.kind_at),
        "a " + std::string(to_string(s.kind)) + " step cannot use " + s.service + " " + s.action);
    return nullptr;
  }
  if (s.kind == StepKind::kCall && (s.service_at.line == 0 || s.action_at.line == 0)) {
    c.diags.error(s.kind_at, "a call step needs both 'service' and 'action'");
    return nullptr;
  }
  if (c.catalog.service(s.service) == nullptr) {
    std::vector<std::string_view> names;
    for (const auto& sv : c.catalog.services())
      names.push_back(sv.name);
    c.diags.error(s.service_at.line ? s.service_at : s.kind_at,
                  "unknown service '" + s.service + "'" + did_you_mean(s.service, names));
    return nullptr;
  }
  if (const auto* spec = c.catalog.find(s.service, s.action, s.version)) return spec;
  if (c.catalog.find(s.service, s.action) != nullptr) {
    c.diags.error(s.version_at.line ? s.version_at : s.kind_at,
                  s.service + " " + s.action + " has no version '" + s.version + "'");
    return nullptr;
  }
  std::vector<std::string_view> names;
  for (const auto& a : c.catalog.actions()) {
    if (a.service == s.service) names.push_back(a.action);
  }
  c.diags.error(
      s.action_at.line ? s.action_at : s.kind_at,
      "unknown action '" + s.action + "' for service " + s.service + did_you_mean(s.action, names));
  return nullptr;
}

void check_wait(Context& c, const Step& s) {
  const int given = !s.flow.empty() + !s.trace.empty() + !s.until.empty();
  if (given != 1) {
    c.diags.error(s.kind_at, "wait step '" + s.id + "' needs exactly one of flow, trace or until");
  }
  if (s.cluster.empty()) {
    c.diags.error(s.kind_at, "wait step '" + s.id + "' needs 'cluster' (the cluster it waits on)");
  } else if (auto v = c.values.substitute(json::value(s.cluster), s);
             v.is_string() && !is_unknown(v)) {
    const api::IdFormat* cluster = c.catalog.id_format("emr-cluster");
    if (cluster && !cluster->matches(v.as_string())) {
      c.diags.error(s.cluster_at, "'" + std::string(v.as_string()) +
                                      "' is not an EMR cluster id (expected " + cluster->pattern +
                                      ", e.g. " + cluster->example + ")");
    }
  }
  if (!s.until.empty() && s.until != "running" && s.until != "terminated") {
    c.diags.error(s.until_at, "until must be \"running\" or \"terminated\", not \"" + s.until +
                                  "\"" + did_you_mean(s.until, {"running", "terminated"}));
  }
}

void check_for_each(Context& c, const Step& s) {
  if (!s.for_each) return;
  if (s.for_each_query) {
    // Its clusters are the dry run's to choose.
    if (s.service != "emr" && s.kind != StepKind::kCall) {
      c.diags.error(s.for_each_at, "a for_each query chooses EMR clusters; step '" + s.id +
                                       "' acts on " + s.service + " instances");
    }
    const Group* g = c.plan.group_of(s);
    if (g != nullptr && s.region != c.plan.steps[g->first].region) {
      // The group's items are chosen once, in its first step's region.
      c.diags.error(s.at, "step '" + s.id + "' of group '" + g->id + "' is in " + s.region +
                              ", but the group's for_each query chooses clusters of " +
                              c.plan.steps[g->first].region);
    }
    return;
  }
  // A group's steps carry its list: it is checked once, with the group (check_groups.cc).
  if (s.group < 0) check_fan_out_list(c, *s.for_each, s.for_each_at);
}

void check_selection(Context& c, const Step& s, int index) {
  const Selection& sel = *s.select;
  if (!sel.added_by.empty()) {
    const int j = c.plan.index_of(sel.added_by);
    if (j < 0) {
      c.diags.error(sel.added_by_at, "select.added_by names unknown step '" + sel.added_by + "'");
    } else if (c.plan.steps[j].kind != StepKind::kScaleOut &&
               c.plan.steps[j].kind != StepKind::kCreate) {
      c.diags.error(sel.added_by_at, "select.added_by must name a scale_out (or create) step; '" +
                                         sel.added_by + "' is a " +
                                         to_string(c.plan.steps[j].kind) + " step");
    } else if (c.plan.steps[j].group >= 0 && c.plan.steps[j].group != s.group) {
      c.diags.error(sel.added_by_at, "select.added_by: '" + sel.added_by +
                                         "' is a step of group '" +
                                         c.plan.groups[c.plan.steps[j].group].id +
                                         "': only the group's own steps can select what it added");
    } else if (!(s.is_undo && j == index) && !c.graph.is_ancestor(j, index) && c.graph.acyclic()) {
      c.diags.error(sel.added_by_at, "select.added_by: step '" + sel.added_by +
                                         "' does not run before '" + s.id + "'");
    }
  }
  if (s.params.contains("ResourceIds") || s.params.contains("CvmInstanceIds")) {
    c.diags.error(sel.at,
                  "give either [steps.select] or literal ResourceIds/CvmInstanceIds, not both");
  }
  if (s.action == "TerminateTasks" && sel.node_flag != "task" && !sel.node_flag.empty()) {
    c.diags.error(sel.node_flag_at,
                  "TerminateTasks removes task nodes only; use action = \"TerminateClusterNodes\" "
                  "for " +
                      sel.node_flag + " nodes");
  }
}

}  // namespace

void check_fan_out_list(Context& c, const json::value& f, Location at) {
  if (f.is_array()) {
    if (f.as_array().empty()) c.diags.error(at, "for_each list is empty");
    return;
  }
  if (!f.is_string()) return;  // the parser reported the type
  auto t = parse_template(f.as_string());
  if (!t.ok()) return;  // reported with the other references
  const Reference* r = t->whole();
  if (r == nullptr || (r->kind != Reference::Kind::kVar && r->kind != Reference::Kind::kStep) ||
      r->index) {
    c.diags.error(at,
                  "for_each must be a list or exactly one reference to a list (\"${vars.NAME}\")");
    return;
  }
  if (r->kind == Reference::Kind::kVar) {
    auto it = c.plan.vars.find(r->name);
    if (it != c.plan.vars.end() && !it->value().is_array()) {
      c.diags.error(at, "for_each: var '" + r->name + "' is not a list");
    } else if (it != c.plan.vars.end() && it->value().as_array().empty()) {
      c.diags.error(at, "for_each: var '" + r->name + "' is an empty list");
    }
  }
}

void check_window(Context& c) {
  if (!c.plan.window) return;
  const Window& w = *c.plan.window;
  if (w.end <= w.start) {
    c.diags.error(w.end_at, "window end is not after its start");
    return;
  }
  const auto length = std::chrono::duration_cast<Millis>(w.end - w.start);
  if (length > std::chrono::hours(24 * 7)) {
    c.diags.warning(w.end_at, "the change window is longer than a week");
  }
  for (const Step& s : c.plan.steps) {
    if (s.timeout > length) {
      c.diags.error(s.timeout_at.line ? s.timeout_at : s.at,
                    "step '" + s.id + "' timeout " + base::format_duration(s.timeout) +
                        " is longer than the change window (" + base::format_duration(length) +
                        ")");
    }
  }
}

void check_step(Context& c, const Step& s, int index, const Step* parent) {
  const api::ActionSpec* spec = action_spec(c, s);

  // Terminations need an explicit yes.
  const bool terminating = s.kind == StepKind::kTerminate ||
                           (s.kind == StepKind::kCall && s.action.rfind("Terminate", 0) == 0);
  if (terminating && !s.allow_terminate) {
    c.diags.error(s.allow_terminate_at.line ? s.allow_terminate_at : s.kind_at,
                  "step '" + s.id + "' terminates resources: it needs allow_terminate = true");
  }

  if (s.params_node) {
    if (auto* n = s.params_node->get("ClientToken");
        n && kind_fills_client_token(s.kind) &&
        (s.kind != StepKind::kCall || (spec && spec->client_token))) {
      c.diags.error(c.plan.locate_param(s, "ClientToken"),
                    "do not write ClientToken by hand: tcplan derives one per run and step so "
                    "retries and resumes are idempotent");
    }
  }

  if (s.kind == StepKind::kWait) check_wait(c, s);
  check_for_each(c, s);
  if (s.select) check_selection(c, s, index);
  check_references(c, s, index, parent);
  if (spec) check_params(c, s, *spec);
  if (s.price) check_price(c, s);
}

}  // namespace tcplan::planner::checks
