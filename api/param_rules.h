// The catalog's rules that span more than one value (catalog.json "rules"), as pure
// functions: identifier shapes, PayMode with TimeUnit and TimeSpan, InstanceChargeType with the
// node type it buys and its prepaid period. The planner checks plans with them before anything
// is sent and the emulator refuses requests with them, so the two can never disagree.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/catalog.h"

namespace tcplan::api {

// A value a rule refuses.
struct RuleViolation {
  std::string path;     // the value to point at: "TimeSpan", "Tags[0].ResourceId"
  std::string code;     // what the cloud answers: "InvalidParameter.InvalidTimeSpan"
  std::string message;  // "TimeSpan must be 3600 with PayMode 0 (pay-as-you-go), not 60"
};

// Every string at any depth of `params` whose own name has an IdFormat for `service` and does
// not match it. `skip` (optional) leaves out values the caller knows only later, or paths it
// has reported already.
std::vector<RuleViolation> check_id_formats(
    const Catalog& catalog, std::string_view service, const boost::json::value& params,
    const std::function<bool(const std::string& path, const boost::json::value&)>& skip = {});

// The first of: an unknown PayMode (InvalidPaymode), a TimeUnit that does not go with it
// (InvalidTimeUnit), a TimeSpan it does not take (InvalidTimeSpan). Null `time_unit` or
// `time_span`: not given, not checked.
std::optional<RuleViolation> check_pay_mode(const Catalog& catalog, std::int64_t pay_mode,
                                            const std::string* time_unit,
                                            const std::int64_t* time_span);

// InstanceChargeType: known, bought for a node type it allows (`node_flag` upper case as
// ScaleOutNodeConfig.NodeFlag; empty = not given) and, when prepaid, with a Period the monthly
// PayMode takes (`prepaid_period` nullopt = no InstanceChargePrepaid.Period). Every violation
// is InvalidParameter.InvalidInstanceChargeType, as the cloud answers.
std::optional<RuleViolation> check_charge_type(const Catalog& catalog, std::string_view charge_type,
                                               std::string_view node_flag,
                                               std::optional<std::int64_t> prepaid_period);

// The hours `time_span` units of `terms` bill: TimeSpan 3600 of PayMode 0 is one hour, TimeSpan
// 1 of PayMode 1 is 720 hours. The one conversion the preview and the emulator's prices share.
double billed_hours(const PayModeTerms& terms, double time_span);

// "1-12, 24, 36, 48, 60": a sorted list of numbers with runs collapsed, for messages.
std::string number_ranges(const std::vector<std::int64_t>& values);

}  // namespace tcplan::api
