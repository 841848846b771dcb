// The action catalog: what tcplan knows about each Tencent Cloud action (service, version,
// host, documented rate limit, ClientToken, which response fields track work, parameters and
// their types, documented error codes). Data lives in api/catalog.json, embedded at build
// time; the planner, the executor and the emulator all read this one catalog.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <map>
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
  std::string source;               // where the facts come from: "seed 004", "sdk-behaviour.md"
  const FieldSpec* param(std::string_view name) const;
  const FieldSpec* output(std::string_view name) const;
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

 private:
  std::vector<ServiceSpec> services_;
  std::vector<ActionSpec> actions_;
  std::map<std::string, StructSpec, std::less<>> structs_;
  std::vector<std::string> common_errors_;
  std::map<std::string, std::string, std::less<>> error_messages_;
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
