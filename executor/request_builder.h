// Turns a plan step (one item of it) into the exact request to send: references resolved,
// the derived ClientToken added where the action takes one, the tcplan:run / tcplan:step tags
// added to what the step creates, and a digest of the result so a resume can tell whether the
// step changed since the run began.
#pragma once

#include <boost/json/object.hpp>
#include <set>
#include <string>

#include "api/catalog.h"
#include "api/client.h"
#include "base/result.h"
#include "planner/plan.h"
#include "planner/resolve.h"

namespace tcplan::executor {

inline constexpr const char* kRunTag = "tcplan:run";
inline constexpr const char* kStepTag = "tcplan:step";

struct BuiltRequest {
  api::CallRequest call;
  const api::ActionSpec* spec = nullptr;  // nullptr when the catalog does not know the action
  std::string client_token;               // empty when the action takes none
  std::string step_tag;                   // the tcplan:step value ("grow", "grow[2]")
  std::string digest;                     // SHA-256 of the request, ClientToken included
  std::set<std::string> env_values;       // values filled from ${env.X}: redact everywhere
};

// The tcplan:step tag value of one item: the step id, with "[i]" for a for_each item.
std::string step_tag(const planner::Step& step, int item);

// `item` is the for_each index, or -1 for an ordinary step.
base::Result<BuiltRequest> build_request(const planner::Step& step, int item,
                                         const planner::ResolveContext& context,
                                         const std::string& default_region);

// SHA-256 hex of a canonical text of (service, action, version, region, params).
std::string request_digest(const api::CallRequest& request);

// The tag list of a resource as the API returns it ([{TagKey, TagValue}]) has this pair.
bool has_tag(const boost::json::value& tags, const std::string& key, const std::string& value);

}  // namespace tcplan::executor
