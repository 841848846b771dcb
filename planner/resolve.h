// Reference resolution for the executor (and the preview): turns a step's params as written
// into the request to send, given the outputs of finished steps, the run id, the environment
// and the current for_each item. A string that is exactly one reference takes the value's
// type; otherwise references are interpolated as text; "$${" becomes "${".
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "base/result.h"
#include "planner/fleet_query.h"
#include "planner/plan.h"

namespace tcplan::planner {

struct ResolveContext {
  const Plan* plan = nullptr;
  std::string run_id;
  // Response fields of finished steps, by step id: an object for a plain step, an array of
  // objects (one per item, in item order) for a for_each step.
  std::map<std::string, boost::json::value, std::less<>> outputs;
  // Environment lookup; empty = the process environment.
  std::function<std::optional<std::string>(std::string_view)> env;
  // The current item of a for_each step (nullptr outside one).
  const boost::json::value* item = nullptr;
  // The items the dry run chose for each query-based for_each (pinned in the saved plan),
  // by the id of what fans out; a query not found here does not resolve.
  const Fleets* fleets = nullptr;
  // Preview: a missing step output becomes the string "(known after apply)" instead of an
  // error, so later steps can still be checked and priced.
  bool allow_unknown_outputs = false;
};

inline constexpr std::string_view kKnownAfterApply = "(known after apply)";

struct ResolvedParams {
  boost::json::object params;
  // JSON paths ("LoginSettings.Password") whose value came (wholly or partly) from ${env.X}:
  // the audit trail redacts these.
  std::set<std::string> from_env;
  // JSON paths that hold a placeholder (only with allow_unknown_outputs).
  std::set<std::string> unknown;
};

// Resolves any JSON value (params, a wait step's cluster/flow, a for_each list).
base::Result<boost::json::value> resolve_value(const boost::json::value& v,
                                               const ResolveContext& ctx,
                                               const std::string& path = {},
                                               ResolvedParams* track = nullptr);

// Resolves a step's params.
base::Result<ResolvedParams> resolve_params(const Step& step, const ResolveContext& ctx);

// The items a for_each step runs over: a literal list, the list a reference names, or the
// clusters the dry run chose for its query (ctx.fleets). The one place a for_each becomes a
// list: resolve_for_each_source serves anything with a for_each of its own (`owner` is its
// id, for messages and for ctx.fleets). A group's steps carry their group's list, so this is
// also how a group's items are resolved: once per group, from its first step.
base::Result<boost::json::array> resolve_for_each(const Step& step, const ResolveContext& ctx);
base::Result<boost::json::array> resolve_for_each_source(const boost::json::value& for_each,
                                                         std::string_view owner,
                                                         const ResolveContext& ctx);

// The steps whose outputs `step` refers to (in its params, cluster, flow, trace, for_each and
// price params): what a ResolveContext for it needs, and nothing more.
std::set<std::string> referenced_steps(const Step& step);

}  // namespace tcplan::planner
