#include "api/param_rules.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace tcplan::api {

namespace json = boost::json;

namespace {

void walk_ids(const Catalog& catalog, std::string_view service, const json::value& v,
              const std::string& path, std::string_view name,
              const std::function<bool(const std::string&, const json::value&)>& skip,
              std::vector<RuleViolation>& out) {
  if (v.is_object()) {
    for (const auto& kv : v.as_object()) {
      const std::string key(kv.key());
      walk_ids(catalog, service, kv.value(), path.empty() ? key : path + "." + key, key, skip, out);
    }
    return;
  }
  if (v.is_array()) {
    const auto& a = v.as_array();
    for (std::size_t i = 0; i < a.size(); ++i)
      walk_ids(catalog, service, a[i], path + "[" + std::to_string(i) + "]", name, skip, out);
    return;
  }
  if (!v.is_string() || (skip && skip(path, v))) return;
  const IdFormat* format = catalog.id_format_of(service, name);
  if (format == nullptr || format->matches(v.as_string())) return;
  out.push_back(RuleViolation{path, "InvalidParameterValue",
                              "'" + std::string(v.as_string()) + "' is not a valid " +
                                  std::string(name) + " (expected " + format->pattern + ", e.g. " +
                                  format->example + ")"});
}

}  // namespace

std::string number_ranges(const std::vector<std::int64_t>& values) {
  std::vector<std::int64_t> v = values;
  std::sort(v.begin(), v.end());
  std::string out;
  for (std::size_t i = 0; i < v.size();) {
    std::size_t j = i;
    while (j + 1 < v.size() && v[j + 1] == v[j] + 1)
      ++j;
    if (!out.empty()) out += ", ";
    out += std::to_string(v[i]);
    if (j > i) out += "-" + std::to_string(v[j]);
    i = j + 1;
  }
  return out;
}

double billed_hours(const PayModeTerms& terms, double time_span) {
  return time_span * static_cast<double>(terms.time_span_seconds) / 3600.0;
}

std::vector<RuleViolation> check_id_formats(
    const Catalog& catalog, std::string_view service, const json::value& params,
    const std::function<bool(const std::string&, const json::value&)>& skip) {
  std::vector<RuleViolation> out;
  walk_ids(catalog, service, params, "", "", skip, out);
  return out;
}

std::optional<RuleViolation> check_pay_mode(const Catalog& catalog, std::int64_t pay_mode,
                                            const std::string* time_unit,
                                            const std::int64_t* time_span) {
  const PayModeTerms* terms = catalog.pay_mode(pay_mode);
  if (terms == nullptr) {
    std::string list;
    for (const auto& t : catalog.pay_modes())
      list += (list.empty() ? "" : " or ") + std::to_string(t.pay_mode) + " (" + t.name + ")";
    return RuleViolation{"PayMode", "InvalidParameter.InvalidPaymode",
                         "PayMode must be " + list + ", not " + std::to_string(pay_mode)};
  }
  const std::string mode = std::to_string(pay_mode);
  const bool single = terms->time_spans.size() == 1;
  const std::string spans =
      single ? std::to_string(terms->time_spans.front()) : "in " + terms->time_span_unit;
  if (time_unit != nullptr && *time_unit != terms->time_unit) {
    return RuleViolation{"TimeUnit", "InvalidParameter.InvalidTimeUnit",
                         "TimeUnit \"" + *time_unit + "\" does not go with PayMode " + mode + " (" +
                             terms->name + " takes TimeUnit \"" + terms->time_unit +
                             "\" and TimeSpan " + spans + ")"};
  }
  if (time_span != nullptr && std::find(terms->time_spans.begin(), terms->time_spans.end(),
                                        *time_span) == terms->time_spans.end()) {
    const std::string n = std::to_string(*time_span);
    return RuleViolation{"TimeSpan", "InvalidParameter.InvalidTimeSpan",
                         single ? "TimeSpan must be " + spans + " with PayMode " + mode + " (" +
                                      terms->name + "), not " + n
                                : "TimeSpan " + n + " is not a valid number of " +
                                      terms->time_span_unit + " for PayMode " + mode + " (" +
                                      number_ranges(terms->time_spans) + ")"};
  }
  return std::nullopt;
}

std::optional<RuleViolation> check_charge_type(const Catalog& catalog, std::string_view charge_type,
                                               std::string_view node_flag,
                                               std::optional<std::int64_t> prepaid_period) {
  constexpr const char* kCode = "InvalidParameter.InvalidInstanceChargeType";
  const ChargeType* charge = catalog.charge_type(charge_type);
  if (charge == nullptr) {
    std::string list;
    for (const auto& c : catalog.charge_types())
      list += (list.empty() ? "" : ", ") + c.name;
    return RuleViolation{
        "InstanceChargeType", kCode,
        "InstanceChargeType must be one of " + list + ", not '" + std::string(charge_type) + "'"};
  }
  if (!node_flag.empty() && !charge->node_flags.empty() &&
      std::find(charge->node_flags.begin(), charge->node_flags.end(), node_flag) ==
          charge->node_flags.end()) {
    std::string list;
    for (const auto& f : charge->node_flags)
      list += (list.empty() ? "" : ", ") + f;
    return RuleViolation{
        "InstanceChargeType", kCode,
        charge->name + " is for " + list + " nodes only, not " + std::string(node_flag)};
  }
  if (charge->prepaid_pay_mode) {
    // Catalog::parse guarantees the PayMode exists.
    const PayModeTerms& terms = *catalog.pay_mode(*charge->prepaid_pay_mode);
    const std::vector<std::int64_t>& months = terms.time_spans;
    if (!prepaid_period ||
        std::find(months.begin(), months.end(), *prepaid_period) == months.end()) {
      return RuleViolation{
          prepaid_period ? "InstanceChargePrepaid.Period" : "InstanceChargeType", kCode,
          charge->name + " needs InstanceChargePrepaid.Period of " + number_ranges(months) + " " +
              terms.time_span_unit +
              (prepaid_period ? ", not " + std::to_string(*prepaid_period) : std::string())};
    }
  }
  return std::nullopt;
}

}  // namespace tcplan::api
