#include "executor/request_builder.h"

#include <boost/json.hpp>

#include "api/hash.h"
#include "executor/client_token.h"
#include "planner/validate.h"

namespace tcplan::executor {

namespace json = boost::json;

namespace {

// The value at a JSON path written as resolve.h writes them ("A.B[2].C").
const json::value* at_path(const json::value& root, const std::string& path) {
  const json::value* v = &root;
  std::size_t i = 0;
  while (i < path.size() && v) {
    if (path[i] == '.') {
      ++i;
      continue;
    }
    if (path[i] == '[') {
      auto close = path.find(']', i);
      if (close == std::string::npos || !v->is_array()) return nullptr;
      std::size_t index = std::stoul(path.substr(i + 1, close - i - 1));
      v = index < v->as_array().size() ? &v->as_array()[index] : nullptr;
      i = close + 1;
      continue;
    }
    auto end = path.find_first_of(".[", i);
    std::string key = path.substr(i, end == std::string::npos ? std::string::npos : end - i);
    v = v->is_object() ? v->as_object().if_contains(key) : nullptr;
    i = end == std::string::npos ? path.size() : end;
  }
  return v;
}

void collect_strings(const json::value& v, std::set<std::string>& out) {
  if (v.is_string()) {
    out.insert(std::string(v.as_string()));
  } else if (v.is_array()) {
    for (const auto& e : v.as_array())
      collect_strings(e, out);
  } else if (v.is_object()) {
    for (const auto& [k, e] : v.as_object())
      collect_strings(e, out);
  }
}

}  // namespace

std::string step_tag(const planner::Step& step, int item) {
  return item < 0 ? step.id : step.id + "[" + std::to_string(item) + "]";
}

bool has_tag(const json::value& tags, const std::string& key, const std::string& value) {
  if (!tags.is_array()) return false;
  for (const auto& t : tags.as_array()) {
    if (!t.is_object()) continue;
    auto* k = t.as_object().if_contains("TagKey");
    auto* v = t.as_object().if_contains("TagValue");
    if (k && v && k->is_string() && v->is_string() && k->as_string() == key &&
        v->as_string() == value) {
      return true;
    }
  }
  return false;
}

std::string request_digest(const api::CallRequest& request) {
  json::object o;
  o["service"] = request.service;
  o["action"] = request.action;
  o["version"] = request.version;
  o["region"] = request.region;
  o["params"] = request.params;
  return api::sha256_hex(json::serialize(o));
}

base::Result<BuiltRequest> build_request(const planner::Step& step, int item,
                                         const planner::ResolveContext& context,
                                         const std::string& default_region) {
  auto resolved = planner::resolve_params(step, context);
  if (!resolved) return base::Error{"step '" + step.id + "': " + resolved.error().message};

  BuiltRequest out;
  out.call.service = step.service;
  out.call.action = step.action;
  out.call.region = step.region.empty() ? default_region : step.region;
  out.call.params = std::move(resolved->params);
  out.spec = api::Catalog::builtin().find(step.service, step.action, step.version);
  out.call.version = !step.version.empty() ? step.version : (out.spec ? out.spec->version : "");
  out.step_tag = step_tag(step, item);

  for (const auto& path : resolved->from_env) {
    json::value root = out.call.params;
    if (const json::value* v = at_path(root, path)) collect_strings(*v, out.env_values);
  }

  const bool takes_token = out.spec && out.spec->client_token;
  if (takes_token && planner::kind_fills_client_token(step.kind)) {
    out.client_token = derive_client_token(context.run_id, step.id, item < 0 ? 0 : item);
    out.call.params["ClientToken"] = out.client_token;
  }

  // What a step creates carries its run and step, so that a resume long after the
  // ClientToken expired can still find it instead of creating it again.
  const bool creates = step.kind == planner::StepKind::kCreate ||
                       step.kind == planner::StepKind::kScaleOut ||
                       (step.kind == planner::StepKind::kCall && takes_token);
  if (creates && out.spec && out.spec->param("Tags")) {
    json::array tags;
    if (auto* existing = out.call.params.if_contains("Tags"); existing && existing->is_array()) {
      tags = existing->as_array();
    }
    tags.push_back(json::object{{"TagKey", kRunTag}, {"TagValue", context.run_id}});
    tags.push_back(json::object{{"TagKey", kStepTag}, {"TagValue", out.step_tag}});
    out.call.params["Tags"] = std::move(tags);
  }

  out.digest = request_digest(out.call);
  return out;
}

}  // namespace tcplan::executor
