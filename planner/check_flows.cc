// Flows left running: a change to a cluster whose previous change (a flow) was not waited for
// is likely to fail with ResourceInUse.InstanceInProcess (docs/cloud-api.md, "Retries and
// busy clusters"), so the author is warned to add a wait step.
#include <algorithm>
#include <boost/json/serialize.hpp>
#include <map>
#include <string>

#include "planner/plan_checks.h"

namespace tcplan::planner::checks {

namespace json = boost::json;

namespace {

std::string cluster_key(Context& c, const Step& s, const json::value& v) {
  json::value x = c.values.substitute(v, s);
  if (x.is_string() && !is_unknown(x)) return std::string(x.as_string());
  return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
}

}  // namespace

void warn_unwaited_flows(Context& c) {
  std::map<std::string, const Step*> pending;  // cluster -> step whose flow may still run
  for (const Step& s : c.plan.steps) {
    if (s.kind == StepKind::kWait) {
      pending.erase(cluster_key(c, s, json::value(s.cluster)));
      continue;
    }
    const json::value* inst = s.params.if_contains("InstanceId");
    if (s.service != "emr" || !inst) continue;
    const api::ActionSpec* spec = c.catalog.find(s.service, s.action, s.version);
    const bool mutating = spec ? spec->mutating : s.kind != StepKind::kCall;
    if (!mutating) continue;
    const std::string key = cluster_key(c, s, *inst);
    if (auto it = pending.find(key); it != pending.end()) {
      const Step& prev = *it->second;
      const api::ActionSpec* prev_spec = c.catalog.find(prev.service, prev.action, prev.version);
      const bool has_flow =
          prev_spec && std::find(prev_spec->tracks.begin(), prev_spec->tracks.end(), "FlowId") !=
                           prev_spec->tracks.end();
      c.diags.warning(
          s.kind_at.line ? s.kind_at : s.at,
          "step '" + s.id + "' changes cluster " + key + " while the flow of step '" + prev.id +
              "' may still be running; add a wait step on it first (kind = " + "\"wait\", " +
              (has_flow ? "flow = \"${steps." + prev.id + ".FlowId}\")"
                        : std::string("until = \"running\")")));
    }
    // Only changes that start a flow leave the cluster busy (restarts are waited on by the
    // executor itself: the cluster back to running).
    const bool starts_flow =
        s.kind == StepKind::kCreate ||
        (spec && !spec->tracks.empty() && spec->mutating && s.kind != StepKind::kRestart);
    if (starts_flow) {
      pending[key] = &s;
    } else {
      pending.erase(key);
    }
  }
}

}  // namespace tcplan::planner::checks
