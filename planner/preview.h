// The cost preview behind `tcplan plan`: a dry run with real reads (clusters exist and are
// running, node counts allow the scale-in) and an InquiryPrice call for every billable step,
// then per-step and total prices, the estimated cost of the change window, and the budget
// gate. It talks to the cloud only through CloudReader, so tests drive it with the emulator.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/api_error.h"
#include "base/result.h"
#include "planner/plan.h"

namespace tcplan::planner {

// Read-only access to the cloud: Describe* and InquiryPrice* calls only.
class CloudReader {
 public:
  virtual ~CloudReader() = default;
  // The Response object (without the wrapper) or the API error.
  virtual base::Result<boost::json::object, api::ApiError> call(
      const std::string& service, const std::string& action, const std::string& version,
      const std::string& region, const boost::json::object& params) = 0;
};

struct Money {
  double original = 0;
  double discounted = 0;
};

struct StepPrice {
  std::string action;  // the InquiryPrice* action that answered
  Money quoted;        // as quoted, for one `unit`
  std::string unit;    // "hour" or "month"
  std::string currency;
  Money hourly;  // the same per hour (a month is 720 hours)
};

struct StepPreview {
  std::string id, kind, service, action, version, region, description;
  std::string group;      // the group the step runs in, or empty
  std::size_t items = 1;  // how many times it runs (for_each and group steps); prices cover all
  boost::json::object params;          // resolved; later steps' outputs are "(known after apply)"
  std::set<std::string> unknown;       // param paths known only after apply
  std::set<std::string> from_env;      // param paths filled from ${env.X} (shown redacted)
  bool billable = false;               // adds something that costs money
  std::optional<StepPrice> price;      // nullopt: not billable, or unknown (see price_note)
  std::string price_note;              // why a billable step's price is unknown
  std::optional<double> window_hours;  // how long the addition is billed inside the window
  std::optional<Money> window_cost;
  std::string removed_by;             // the later step that removes what this one adds
  std::vector<std::string> checks;    // dry-run reads that passed
  std::vector<std::string> problems;  // dry-run reads that failed (the plan would fail)
};

// A [[groups]] pipeline's cost: one item going through all its steps, and all items. Every
// item is priced as the first one (the dry run prices one item per step).
struct GroupPreview {
  std::string id;
  std::size_t items = 0;
  // nullopt when a billable step's price is unknown (never 0).
  std::optional<Money> hourly_per_item, window_per_item;
  std::optional<Money> hourly, window_cost;  // all items
};

struct Preview {
  std::string plan_name, plan_file, plan_sha256, currency;
  std::string fetched_at;  // UTC, ISO 8601, when the prices were read
  std::optional<double> window_hours;
  std::vector<StepPreview> steps;
  std::vector<GroupPreview> groups;
  // Totals are unknown (nullopt) when any billable step's price is unknown: never 0.
  std::optional<Money> hourly;
  std::optional<Money> window_cost;
  std::size_t unknown_prices = 0;
  std::vector<std::string> budget_violations;  // non-empty: `tcplan plan` exits 3
  std::vector<std::string> problems;           // dry-run failures over all steps

  bool over_budget() const { return !budget_violations.empty(); }
};

struct PreviewOptions {
  // Clock for fetched_at (tests pin it).
  std::function<std::chrono::system_clock::time_point()> now;
  std::string run_id = "preview";
};

// Runs the dry run. The plan must be valid (validate_plan without errors).
Preview preview_plan(const Plan& plan, CloudReader& reader, const PreviewOptions& options = {});

}  // namespace tcplan::planner
