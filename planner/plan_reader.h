// Typed reads from a plan's TOML, each problem reported at its line:column: unknown keys
// (with a suggestion), wrong types, durations, offset date-times, params converted to JSON,
// and the retry / on_failure settings that [defaults] and steps share. Internal to the
// planner's parser (parse.cc, parse_steps.cc).
#pragma once

#include <toml++/toml.h>

#include <boost/json/value.hpp>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "planner/diagnostics.h"
#include "planner/plan.h"

namespace tcplan::planner {

Location where(const toml::node& n);
Location where(const toml::key& k);
// "a string", "an integer", ...: what a value is, for messages.
const char* type_name(const toml::node& n);

class PlanReader {
 public:
  explicit PlanReader(Diagnostics& diags) : d_(diags) {}

  Diagnostics& diags() { return d_; }

  // Unknown keys are errors: a typo must never be silently ignored.
  void check_keys(const toml::table& t, std::initializer_list<std::string_view> allowed,
                  const std::string& context);
  void type_error(const toml::node& n, std::string_view key, std::string_view expected);

  // Each returns false when `key` is absent or of the wrong type (reported); `at`, when
  // given, receives where the value is written.
  bool get_string(const toml::table& t, std::string_view key, std::string* out,
                  Location* at = nullptr);
  bool get_int(const toml::table& t, std::string_view key, std::int64_t* out,
               Location* at = nullptr);
  bool get_number(const toml::table& t, std::string_view key, double* out);
  bool get_bool(const toml::table& t, std::string_view key, bool* out, Location* at = nullptr);
  bool get_duration(const toml::table& t, std::string_view key, Millis* out);
  const toml::table* get_table(const toml::node& n, std::string_view key);
  // An offset date-time ([window]); a local one is refused as ambiguous.
  std::optional<TimePoint> date_time(const toml::table& t, std::string_view key, Location* at);

  // TOML -> JSON with the types the API wants; dates have no JSON form and are refused.
  std::optional<boost::json::value> to_json(const toml::node& n, int depth);

  // A retry table ([defaults] or a step's) over `out`'s current values.
  bool retry(const toml::node& n, RetryPolicy* out);
  bool on_failure(const toml::table& t, OnFailure* out);

 private:
  Diagnostics& d_;
};

// A for_each query table (fleet_query.h) into `query`; false when it is unusable (reported).
bool read_fleet_query(PlanReader& reader, const toml::table& table, FleetQuery* query);

// Reads [[steps]] (with their [[steps.undo]], [steps.select] and [steps.price]) into
// plan.steps, applying the plan's defaults and each kind's default action and version.
void read_steps(PlanReader& reader, const toml::table& root, Plan& plan);

}  // namespace tcplan::planner
