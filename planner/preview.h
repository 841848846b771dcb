// The cost preview behind `tcplan plan`: a dry run with real reads (clusters exist and are
// running, node counts allow the scale-in, creates do not repeat a live cluster's name,
// for_each queries resolved to clusters) and an InquiryPrice call for every billable step and
// item, then per-step, per-group and total prices, the estimated cost of the change window,
// the budget gate, each step's predicted duration and whether the plan fits its window. It
// talks to the cloud only through CloudReader, so tests drive it with the emulator.
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
#include "base/time.h"
#include "planner/cloud_reader.h"
#include "planner/fleet_query.h"
#include "planner/plan.h"
#include "planner/predict.h"
#include "planner/window_fit.h"

namespace tcplan::planner {

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

// One item of a for_each step, checked and priced on its own.
struct ItemPreview {
  boost::json::value item;        // the item (a cluster id for a query)
  std::string label;              // "restart-hive[emr-ge0vrqkl]"
  boost::json::object params;     // resolved for this item
  std::set<std::string> unknown;  // param paths known only after apply
  std::set<std::string> from_env;
  std::optional<StepPrice> price;
  std::string price_note;
  std::vector<std::string> checks;
  std::vector<std::string> problems;
};

struct StepPreview {
  std::string id, kind, service, action, version, region, description;
  std::string group;                   // the [[groups]] pipeline the step runs in, or empty
  boost::json::object params;          // resolved; later steps' outputs are "(known after apply)"
  std::set<std::string> unknown;       // param paths known only after apply
  std::set<std::string> from_env;      // param paths filled from ${env.X} (shown redacted)
  bool billable = false;               // adds something that costs money
  std::optional<StepPrice> price;      // nullopt: not billable, or unknown (see price_note);
                                       // a for_each step's is the sum over its items
  std::string price_note;              // why a billable step's price is unknown
  std::optional<double> window_hours;  // how long the addition is billed inside the window
  std::optional<Money> window_cost;
  std::string removed_by;             // the later step that removes what this one adds
  std::vector<std::string> checks;    // dry-run reads that passed
  std::vector<std::string> problems;  // dry-run reads that failed (the plan would fail)
  std::vector<std::string> warnings;  // what apply refuses without --new-run (a repeated create)

  // for_each (and a group's steps): one entry per item, in order (empty for a plain step);
  // the step's own params are then its first item's, its checks and problems the step-wide
  // ones.
  std::vector<ItemPreview> items;
  std::optional<FleetQuery> query;  // a query-based for_each: the items are what it matched

  StepTiming timing;  // predicted (cloud time)
};

// A [[groups]] pipeline's cost: all items going through all its steps, and one item on
// average (each item is priced on its own).
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
  std::string target;      // what the dry run read ("local: embedded emulator at ...")
  std::optional<double> window_hours;
  std::vector<StepPreview> steps;
  std::vector<GroupPreview> groups;
  // Totals are unknown (nullopt) when any billable step's price is unknown: never 0.
  std::optional<Money> hourly;
  std::optional<Money> window_cost;
  std::size_t unknown_prices = 0;
  std::vector<std::string> budget_violations;  // non-empty: `tcplan plan` exits 3
  std::vector<std::string> problems;           // dry-run failures over all steps
  // InquiryPrice calls that failed (also in problems): the prices are not unknown but
  // unread, and the budget is not judged on them.
  std::vector<std::string> pricing_failures;
  // Creates whose name a live cluster already has: apply refuses them without --new-run.
  std::vector<std::string> duplicates;

  Fleets fleets;            // the items of every query-based for_each, by step id (a
                            // group's: under each of its steps)
  Millis makespan{0};       // predicted, cloud time
  double time_scale = 1.0;  // of the target the prediction was made for
  WindowFit window_fit;     // the plan against its [window] at the time it was read

  bool over_budget() const { return !budget_violations.empty(); }
};

struct PreviewOptions {
  // Clock for fetched_at (tests pin it).
  std::function<std::chrono::system_clock::time_point()> now;
  // The window's clock (--now); unset: `now`.
  std::optional<base::SysTime> window_now;
  std::string run_id = "preview";
  std::string target;       // shown in the preview
  double time_scale = 1.0;  // the target's, for the predicted durations
  // Pinned query results (a saved plan's): used instead of choosing the clusters again.
  const Fleets* fleets = nullptr;
};

// Runs the dry run. The plan must be valid (validate_plan without errors).
Preview preview_plan(const Plan& plan, CloudReader& reader, const PreviewOptions& options = {});

// The number of items each step runs, from the preview (1 without for_each).
std::vector<std::size_t> item_counts(const Preview& preview);

}  // namespace tcplan::planner
