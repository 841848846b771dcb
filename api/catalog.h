// The action catalog: what tcplan knows about each Tencent Cloud action (service, version,
// host, documented rate limit, ClientToken, which response fields track work, parameters and
// their types, documented error codes) and the rules that span values (identifier shapes,
// PayMode/TimeUnit/TimeSpan, InstanceChargeType). Data lives in api/catalog.json, embedded at
// build time; the planner, the executor and the emulator all read this one catalog.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace tcplan::api {

// A type as the vendor docs spell it: "String", "Integer", "Float", "Boolean",
// "Array of X", or the name of a structure in the catalog ("Tag", "ScaleOutNodeConfig").
struct FieldSpec {
  std::string name;
  std::string type;
  bool required = false;
  std::vector<std::string> allowed;  // enumerated values as strings; empty = any value
  std::string description;
};

struct StructSpec {
  std::string name;
  std::vector<FieldSpec> fields;
  const FieldSpec* field(std::string_view name) const;
};

struct ServiceSpec {
  std::string name;                   // signing service: "emr", "cvm", "ecm"
  std::string version;                // default API version
  std::string host;                   // "emr.tencentcloudapi.com"
  std::vector<std::string> versions;  // every version the catalog knows for this service
  // Messages that differ from the shared list for this service's codes (CVM words
  // MissingParameter differently from EMR, for instance).
  std::map<std::string, std::string, std::less<>> error_messages;
  // "<service>.<region>.tencentcloudapi.com" for a region-pinned endpoint.
  std::string regional_host(std::string_view region) const;
};

struct ActionSpec {
  std::string service;
  std::string action;
  std::string version;
  int rate_limit = 20;  // documented requests per second
  bool mutating = false;
  bool client_token = false;        // takes ClientToken (valid 5 minutes)
  std::vector<std::string> tracks;  // response fields that identify work: FlowId, TraceId, ...
  std::vector<FieldSpec> params;
  std::vector<FieldSpec> outputs;
  std::vector<std::string> errors;  // documented error codes of this action
  std::string source;               // the vendor document and section the facts come from
  const FieldSpec* param(std::string_view name) const;
  const FieldSpec* output(std::string_view name) const;
};

// An identifier shape the docs show ("emr-[a-z0-9]{8}"): a literal prefix, then between
// min_length and max_length lower-case letters or digits. `fields` names, per service, the
// params (at any depth, by their own name) that hold one.
struct IdFormat {
  std::string kind;     // "emr-cluster", "emr-node", "cvm-instance", "ecm-instance"
  std::string pattern;  // as the catalog writes it, for messages
  std::string example;  // "emr-4slr7ad7"
  std::string prefix;   // "emr-"
  std::size_t min_length = 0;
  std::size_t max_length = 0;
  std::map<std::string, std::vector<std::string>, std::less<>> fields;
  bool matches(std::string_view id) const;
};

// A documented pairing of PayMode with TimeUnit and TimeSpan (0: "s" and 3600; 1: "m" and a
// number of months).
struct PayModeTerms {
  std::int64_t pay_mode = 0;
  std::string name;                      // "pay-as-you-go", "monthly"
  std::string time_unit;                 // the only TimeUnit it takes
  std::vector<std::int64_t> time_spans;  // the TimeSpan values it takes
  std::string time_span_unit;            // "seconds", "months"
  std::int64_t time_span_seconds = 1;    // what one TimeSpan unit bills (a month: 30 days)
};

// An InstanceChargeType (CreateCluster, ScaleOutCluster) and what goes with it.
struct ChargeType {
  std::string name;  // "POSTPAID_BY_HOUR", "PREPAID", "SPOTPAID"
  // Set for a prepaid purchase: InstanceChargePrepaid.Period must be a TimeSpan this PayMode
  // takes (PREPAID: 1, monthly).
  std::optional<std::int64_t> prepaid_pay_mode;
  std::vector<std::string> node_flags;  // the node types it may buy; empty = any
};

class Catalog {
 public:
  // The catalog built into the binary (api/catalog.json). Parsed once; throws on a broken
  // embedded file, which is a build bug.
  static const Catalog& builtin();
  static base::Result<Catalog> parse(std::string_view json_text);

  const ServiceSpec* service(std::string_view name) const;
  // With an empty version, the service's default version.
  const ActionSpec* find(std::string_view service, std::string_view action,
                         std::string_view version = {}) const;
  const StructSpec* struct_type(std::string_view name) const;
  const std::map<std::string, StructSpec, std::less<>>& structs() const { return structs_; }
  const std::vector<ServiceSpec>& services() const { return services_; }
  const std::vector<ActionSpec>& actions() const { return actions_; }
  // Common error codes (every action may return them).
  const std::vector<std::string>& common_errors() const { return common_errors_; }
  // The documented message for a code, or empty: the common list first, then the first
  // service that documents the code.
  std::string_view error_message(std::string_view code) const;
  // The same, preferring the service's own wording where it has one.
  std::string_view error_message(std::string_view service, std::string_view code) const;

  // The rules that span more than one value ("rules" in catalog.json); checked by
  // api/param_rules.h for the planner and the emulator alike.
  const std::vector<IdFormat>& id_formats() const { return id_formats_; }
  const IdFormat* id_format(std::string_view kind) const;
  // The format of a `service` param named `field` (the last component of its path), or null.
  const IdFormat* id_format_of(std::string_view service, std::string_view field) const;
  const std::vector<PayModeTerms>& pay_modes() const { return pay_modes_; }
  const PayModeTerms* pay_mode(std::int64_t pay_mode) const;
  // The terms whose TimeUnit is `time_unit` ("s", "m"), or null.
  const PayModeTerms* pay_mode_of_unit(std::string_view time_unit) const;
  const std::vector<ChargeType>& charge_types() const { return charge_types_; }
  const ChargeType* charge_type(std::string_view name) const;

 private:
  std::vector<ServiceSpec> services_;
  std::vector<ActionSpec> actions_;
  std::map<std::string, StructSpec, std::less<>> structs_;
  std::vector<std::string> common_errors_;
  std::map<std::string, std::string, std::less<>> error_messages_;
  std::vector<IdFormat> id_formats_;
  std::vector<PayModeTerms> pay_modes_;
  std::vector<ChargeType> charge_types_;
};

// The element type of "Array of X" (X), or empty when `type` is not an array.
std::string_view array_element(std::string_view type);
// "String", "Integer", "Float" or "Boolean".
bool is_scalar_type(std::string_view type);

// One problem found by validate_params, with the JSON path of the offending value
// ("ScaleOutNodeConfig.NodeCount", "Tags[1].TagKey"). The planner maps paths back to plan
// file locations; the emulator turns them into MissingParameter / UnknownParameter /
// InvalidParameterValue.
struct ParamProblem {
  enum class Kind { kMissing, kUnknown, kWrongType, kNotAllowed };
  Kind kind;
  std::string path;
  std::string message;  // "expected Integer, got string \"abc\""
};

struct ValidateOptions {
  // The vendor's own examples send numbers as JSON strings ("CoreCount":"2"); the cloud
  // accepts them. The planner turns this off to insist on typed values.
  bool accept_numeric_strings = true;
  // Values known only at run time (the planner's stand-ins for `${steps.x.FlowId}`): when this
  // returns true for a value, the value counts as present and its type and `allowed` are not
  // checked. Empty = every value is checked.
  std::function<bool(const boost::json::value&)> deferred;
};

std::vector<ParamProblem> validate_params(const Catalog& catalog, const ActionSpec& action,
                                          const boost::json::object& params,
                                          const ValidateOptions& options = {});

}  // namespace tcplan::api
