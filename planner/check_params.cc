// A step's API params against the catalog: their shape (api::validate_params), then the
// catalog's rules (api/param_rules.h) that the emulator and the cloud apply too. Values known
// only at run time are stand-ins of the documented type, so a plan with references is checked
// as far as it can be.
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>

#include "api/param_rules.h"
#include "planner/plan_checks.h"
#include "planner/validate.h"

namespace tcplan::planner::checks {

namespace json = boost::json;

namespace {

// "Tags[1].TagKey" -> "TagKey"; "ResourceIds[0]" -> "ResourceIds".
std::string path_leaf(std::string_view path) {
  std::string_view p = path;
  if (auto b = p.rfind('['); b != p.npos && p.back() == ']') p = p.substr(0, b);
  if (auto dot = p.rfind('.'); dot != p.npos) p = p.substr(dot + 1);
  return std::string(p);
}

// The fields of the structure at `path` of the action's params (for "did you mean"), or null.
const std::vector<api::FieldSpec>* fields_at(const api::Catalog& catalog,
                                             const api::ActionSpec& spec, const std::string& path) {
  const std::vector<api::FieldSpec>* fields = &spec.params;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t dot = path.find('.', start);
    std::string comp =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (auto b = comp.find('['); b != std::string::npos) comp = comp.substr(0, b);
    const api::FieldSpec* f = nullptr;
    for (const auto& x : *fields) {
      if (x.name == comp) f = &x;
    }
    if (!f) return nullptr;
    std::string_view type = f->type;
    while (!api::array_element(type).empty())
      type = api::array_element(type);
    const api::StructSpec* st = catalog.struct_type(type);
    if (!st) return nullptr;
    fields = &st->fields;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return fields;
}

void report_shape_problem(Context& c, const Step& s, const api::ActionSpec& spec,
                          const api::ParamProblem& problem) {
  const Location at =
      problem.kind == api::ParamProblem::Kind::kUnknown
          ? c.plan.locate_key(s.params_node, problem.path, s.params_at.line ? s.params_at : s.at)
          : c.plan.locate_param(s, problem.path);
  std::string msg;
  switch (problem.kind) {
    case api::ParamProblem::Kind::kMissing:
      msg = "missing required parameter '" + problem.path + "' in params of step '" + s.id + "'";
      break;
    case api::ParamProblem::Kind::kUnknown: {
      msg = "unknown key '" + path_leaf(problem.path) + "' in params of step '" + s.id + "'";
      // Suggest from the fields of the containing object.
      std::vector<std::string_view> names;
      const std::string parent_path = problem.path.find('.') == std::string::npos
                                          ? std::string()
                                          : problem.path.substr(0, problem.path.rfind('.'));
      const std::vector<api::FieldSpec>* fields = &spec.params;
      if (!parent_path.empty()) fields = fields_at(c.catalog, spec, parent_path);
      if (fields) {
        for (const auto& f : *fields)
          names.push_back(f.name);
      }
      msg += did_you_mean(path_leaf(problem.path), names);
      break;
    }
    case api::ParamProblem::Kind::kWrongType:
    case api::ParamProblem::Kind::kNotAllowed:
      msg = "'" + problem.path + "' in params of step '" + s.id + "': " + problem.message;
      break;
  }
  c.diags.error(at, msg);
}

// A known value at `key` of `p` that validate_params has not already reported.
const json::value* known(const json::object& p, std::string_view key,
                         const std::set<std::string>& reported) {
  const json::value* v = p.if_contains(key);
  if (!v || is_unknown(*v) || reported.count(std::string(key))) return nullptr;
  return v;
}

// The catalog's rules (identifier shapes, PayMode terms, charge types) on values the shape
// check passed.
void check_rules(Context& c, const Step& s, const json::object& p,
                 const std::set<std::string>& reported) {
  for (const auto& v : api::check_id_formats(c.catalog, s.service, p,
                                             [&](const std::string&path, const json::value&value) {
                                               return is_unknown(value) || reported.count(path) > 0;
                                             })) {
    c.diags.error(c.plan.locate_param(s, v.path), v.message);
  }

  if (const json::value* pay = known(p, "PayMode", reported); pay && pay->is_int64()) {
    const json::value* unit = known(p, "TimeUnit", reported);
    const json::value* span = known(p, "TimeSpan", reported);
    const std::string unit_text = unit && unit->is_string() ? std::string(unit->as_string()) : "";
    const std::int64_t span_value = span && span->is_int64() ? span->as_int64() : 0;
    if (auto v = api::check_pay_mode(c.catalog, pay->as_int64(),
                                     unit && unit->is_string() ? &unit_text : nullptr,
                                     span && span->is_int64() ? &span_value : nullptr)) {
      c.diags.error(c.plan.locate_param(s, v->path), v->message);
    }
  }

  if (const json::value* charge = known(p, "InstanceChargeType", reported);
      charge && charge->is_string()) {
    std::string flag;
    if (const auto* cfg = p.if_contains("ScaleOutNodeConfig"); cfg && cfg->is_object()) {
      if (const auto* f = cfg->as_object().if_contains("NodeFlag");
          f && f->is_string() && !is_unknown(*f) && !reported.count("ScaleOutNodeConfig.NodeFlag"))
        flag = f->as_string();
    }
    std::optional<std::int64_t> period;
    bool period_unknown = false;
    if (const auto* pre = p.if_contains("InstanceChargePrepaid"); pre && pre->is_object()) {
      if (const auto* x = pre->as_object().if_contains("Period"); x && x->is_int64())
        period = x->as_int64();
      else if (x)
        period_unknown = true;  // reported by the shape check, or a reference
    }
    if (!period_unknown && !reported.count("InstanceChargePrepaid.Period")) {
      if (auto v = api::check_charge_type(c.catalog, charge->as_string(), flag, period))
        c.diags.error(c.plan.locate_param(s, v->path), v->message);
    }
  }
}

}  // namespace

void check_params(Context& c, const Step& s, const api::ActionSpec& spec) {
  if (s.kind == StepKind::kWait) return;  // the executor builds the request
  json::object p = c.values.substitute(json::value(s.params), s).as_object();
  // Values tcplan fills at run time count as present.
  if (spec.client_token && kind_fills_client_token(s.kind)) p.erase("ClientToken");
  if (s.select) {
    if (s.action == "TerminateClusterNodes") {
      p["CvmInstanceIds"] = json::array{json::value(kUnknownValue)};
      std::string flag = s.select->node_flag;
      std::transform(flag.begin(), flag.end(), flag.begin(), ::toupper);
      if (!p.contains("NodeFlag")) p["NodeFlag"] = flag;
    } else {
      p["ResourceIds"] = json::array{json::value(kUnknownValue)};
    }
  }
  api::ValidateOptions vo;
  vo.accept_numeric_strings = false;
  std::set<std::string> reported;
  for (const auto& problem : api::validate_params(c.catalog, spec, p, vo)) {
    reported.insert(problem.path);
    report_shape_problem(c, s, spec, problem);
  }
  check_rules(c, s, p, reported);
  check_guardrails(c, s, p);
}

void check_price(Context& c, const Step& s) {
  const PriceInquiry& pr = *s.price;
  if (pr.action.empty()) return;
  const std::string service = pr.service.empty() ? s.service : pr.service;
  if (pr.action.rfind("InquiryPrice", 0) != 0) {
    c.diags.error(pr.action_at,
                  "[steps.price] action must be an InquiryPrice* action, not '" + pr.action + "'");
    return;
  }
  const api::ActionSpec* spec = c.catalog.find(service, pr.action, pr.version);
  if (!spec) {
    std::vector<std::string_view> names;
    for (const auto& a : c.catalog.actions()) {
      if (a.service == service && a.action.rfind("InquiryPrice", 0) == 0) names.push_back(a.action);
    }
    c.diags.error(pr.action_at, "unknown price action '" + pr.action + "' for service " + service +
                                    did_you_mean(pr.action, names));
    return;
  }
  json::object p = c.values.substitute(json::value(pr.params), s).as_object();
  api::ValidateOptions vo;
  vo.accept_numeric_strings = false;
  for (const auto& problem : api::validate_params(c.catalog, *spec, p, vo)) {
    c.diags.error(problem.kind == api::ParamProblem::Kind::kUnknown
                      ? c.plan.locate_key(pr.params_node, problem.path, pr.at)
                      : c.plan.locate_in(pr.params_node, problem.path, pr.at),
                  "'" + problem.path + "' in [steps.price] params of step '" + s.id +
                      "': " + problem.message);
  }
}

}  // namespace tcplan::planner::checks
