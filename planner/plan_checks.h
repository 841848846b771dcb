// The checks validate_plan (validate.h) runs, one concern per file, over one shared context:
// steps and the change window (check_steps.cc), groups (check_groups.cc), references
// (check_references.cc), API params and the catalog's rules (check_params.cc), guardrails
// (check_guardrails.cc) and flows left running (check_flows.cc). Internal to the planner.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "api/catalog.h"
#include "planner/diagnostics.h"
#include "planner/plan.h"
#include "planner/plan_values.h"
#include "planner/step_graph.h"

namespace tcplan::planner::checks {

struct Context {
  // Builds the step graph, which reports id and `after` problems.
  Context(const Plan& plan, Diagnostics& diags, const api::Catalog& catalog,
          std::function<bool(std::string_view)> env_defined);

  const Plan& plan;
  Diagnostics& diags;
  const api::Catalog& catalog;
  std::function<bool(std::string_view)> env_defined;  // is ${env.NAME} set
  StepGraph graph;
  PlanValues values;
  std::vector<std::size_t> line_starts;  // of the plan text, built on first use
};

// A for_each list (a step's or a group's), written at `at`: a non-empty literal list or one
// reference to a list.
void check_fan_out_list(Context& c, const boost::json::value& list, Location at);

// [[groups]]: the list, canary against the number of items, and `after` entries that name a
// step inside a group (only the whole group can be waited for).
void check_groups(Context& c);

// The window's own shape, and no step timeout longer than it.
void check_window(Context& c);

// One step (or undo step, with its `parent`): kind and action, the catalog entry, an explicit
// allow_terminate, no hand-written ClientToken, the wait fields, for_each and [steps.select];
// then its references, params and price inquiry.
void check_step(Context& c, const Step& s, int index, const Step* parent);

// Every reference the step holds (params, cluster/flow/trace, for_each, price params): known
// names, indexes in range, steps that run before it, fields the source action returns.
void check_references(Context& c, const Step& s, int index, const Step* parent);

// The step's params against the catalog: shape (validate_params), identifier formats,
// PayMode/TimeUnit/TimeSpan, InstanceChargeType; then its guardrails.
void check_params(Context& c, const Step& s, const api::ActionSpec& spec);
// [steps.price]: an InquiryPrice* action of the catalog and its params.
void check_price(Context& c, const Step& s);

// [guardrails]: node ceilings of scale-out and scale-in steps.
void check_guardrails(Context& c, const Step& s, const boost::json::object& params);
// Nodes a scale_out step's params add, of one flag ("task", ...) or of all when empty.
std::int64_t scale_out_nodes(const boost::json::object& params, std::string_view flag);

// Warns when a step changes a cluster whose previous flow was not waited for.
void warn_unwaited_flows(Context& c);

}  // namespace tcplan::planner::checks
