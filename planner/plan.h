// The Plan model: a plan file parsed into typed values, each keeping where it was written so
// that validation, preview and the executor can point at the exact key. Built by
// parse_plan() (parse.h); the executor consumes it together with resolve.h.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/duration.h"
#include "planner/diagnostics.h"

namespace toml {
inline namespace v3 {
class table;
}
}  // namespace toml

namespace tcplan::planner {

using Millis = base::Millis;

enum class StepKind {
  kCreate,
  kWait,
  kScaleOut,
  kScaleIn,
  kRestart,
  kTerminate,
  kScheduler,
  kCall
};
const char* to_string(StepKind kind);
std::optional<StepKind> step_kind_from(std::string_view name);

enum class OnFailure { kStop, kContinue, kRollback };
const char* to_string(OnFailure f);

struct RetryPolicy {
  int max_attempts = 6;
  Millis initial_backoff{1000};
  Millis max_backoff{30'000};
};

// Plan-wide values each step may override.
struct Defaults {
  Millis timeout{30 * 60'000};
  Millis poll{10'000};
  OnFailure on_failure = OnFailure::kStop;
  RetryPolicy retry;
};

using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

struct Window {
  TimePoint start;
  TimePoint end;
  Location start_at, end_at;
};

struct Budget {
  std::string currency = "CNY";
  std::optional<double> max_total;
  std::optional<double> max_hourly;
  Location at;
};

// [approval]: a saved plan must carry approvals by other people before it is applied
// (`tcplan approve`, `tcplan apply SAVED --approvals DIR`), and goes stale after max_age.
struct ApprovalPolicy {
  std::int64_t required = 0;           // distinct approver keys needed
  std::vector<std::string> approvers;  // allowed key fingerprints (16 hex); empty = any key
  std::optional<Millis> max_age;       // a saved plan older than this is refused
  Location at, required_at, approvers_at, max_age_at;
};

// The age after which `tcplan apply SAVED` refuses a saved plan when [approval] states none.
inline constexpr Millis kDefaultSavedPlanMaxAge{24 * 3600 * 1000};

// for_each as a query instead of a list: the clusters of the step's region whose tags, name,
// status and product match (every criterion given must match). The dry run resolves it to
// cluster ids (fleet_query.h); the saved plan pins them.
struct FleetQuery {
  std::vector<std::pair<std::string, std::string>> tags;  // key = value; "*": any value
  std::string name_prefix;                                // ClusterName starts with it
  std::optional<std::int64_t> status;                     // cluster status code (running: 2)
  std::string product_version;                            // EmrVersion, e.g. "EMR-V3.5.0"
  std::optional<std::int64_t> product_id;                 // ProductId, e.g. 44
  Location at;
};

struct Guardrails {
  std::optional<std::int64_t> max_scale_in_nodes;
  std::optional<std::int64_t> max_scale_out_nodes;
  Location scale_in_at, scale_out_at;
};

// [steps.select]: scale_in nodes chosen at run time instead of literal IDs.
struct Selection {
  std::string node_flag;  // task | core | router
  std::string added_by;   // step id whose nodes to remove
  std::int64_t newest = 0;
  Location at, node_flag_at, added_by_at, newest_at;
};

// [steps.price]: an explicit InquiryPrice call for a billable step.
struct PriceInquiry {
  std::string service;  // defaults to the step's service
  std::string action;
  std::string version;
  boost::json::object params;
  const toml::table* params_node = nullptr;
  Location at, action_at;
};

// The dry run before approval records its reads under this pseudo-step: no plan step may be
// called that (validation refuses it), and `tcplan status` leaves it out of a run's steps.
inline constexpr const char* kPreviewStepId = "preview";

struct Step {
  std::string id;
  StepKind kind = StepKind::kCall;
  std::string service, action, version, region;  // defaults per kind already applied
  std::vector<std::string> after;                // resolved: the previous step by default
  bool after_given = false;
  boost::json::object params;  // as written (references unresolved), OpType default applied
  const toml::table* params_node = nullptr;  // for locating values by JSON path

  Millis timeout{0}, poll{0};
  RetryPolicy retry;
  OnFailure on_failure = OnFailure::kStop;
  std::string description;
  bool allow_terminate = false;

  // Fan-out: a literal list, one reference to a list, or a query (for_each_query set, and
  // for_each holds the query as a JSON object so that `for_each` alone says "fans out"). A
  // group's steps carry their group's list or query (and its location) here, so everything
  // that fans a step out treats them alike.
  std::optional<boost::json::value> for_each;
  std::optional<FleetQuery> for_each_query;
  int max_parallel = 0;  // 0 = no limit
  int group = -1;        // index into Plan::groups for a step of a [[groups]] pipeline

  // kind = "wait": exactly one of flow / trace / until.
  std::string cluster, flow, trace, until;

  std::optional<Selection> select;
  std::optional<PriceInquiry> price;
  std::vector<Step> undo;  // compensating steps, run in reverse order on rollback
  bool is_undo = false;

  // Where things were written.
  Location at;  // the [[steps]] header
  Location id_at, kind_at, service_at, action_at, version_at, after_at, params_at, timeout_at,
      for_each_at, max_parallel_at, cluster_at, flow_at, trace_at, until_at, allow_terminate_at;
  std::vector<Location> after_item_at;
};

// [[groups]]: a pipeline of steps that runs once per item of a list, each item on its own: an
// item goes through the group's steps in order as soon as it can, independently of the other
// items, with caps on how many are inside at once, canaries first, and a failure threshold.
// Its steps are stored flat in Plan::steps, [first, first + count), with `group` set.
struct Group {
  std::string id, description;
  boost::json::value for_each;  // a literal list, one reference to a list, or a query (JSON)
  std::optional<FleetQuery> for_each_query;
  int max_parallel = 0;  // items inside the group at once; 0 = no cap
  int canary = 0;        // the first N items finish the group before any other starts
  // Failed items tolerated: the next failure stops the rollout (AWS SSM's MaxErrors rule).
  // A percentage is of the number of items, rounded down.
  std::int64_t max_failures = 0;
  bool max_failures_percent = false;
  OnFailure on_failure = OnFailure::kStop;  // stop | continue: the rest of the plan, once it fails
  std::vector<std::string> after;           // resolved like a step's
  bool after_given = false;
  std::size_t first = 0, count = 0;  // its steps in Plan::steps

  // How many failed items are tolerated out of `items`.
  std::size_t allowed_failures(std::size_t items) const;

  Location at, id_at, for_each_at, max_parallel_at, canary_at, max_failures_at, after_at,
      on_failure_at;
  std::vector<Location> after_item_at;
};

struct Plan {
  std::string file;
  std::string text;                   // the file's bytes (diagnostics print lines from it)
  std::shared_ptr<toml::table> root;  // owns the nodes params_node points into
  std::string sha256;                 // of the file's bytes (hex)

  std::int64_t version = 0;
  std::string name, description, region;
  std::string target;  // "local" | "cloud" | "" (not said); the --target flag wins over it
  std::optional<Window> window;
  std::optional<Budget> budget;
  std::optional<ApprovalPolicy> approval;
  Defaults defaults;
  Guardrails guardrails;
  boost::json::object vars;
  std::map<std::string, Location, std::less<>> var_at;
  std::vector<Step> steps;  // in file order; a group's steps where the group is written
  std::vector<Group> groups;
  Location name_at, region_at;

  const Step* step(std::string_view id) const;
  const Group* group(std::string_view id) const;
  // The group a step (or the step an undo step belongs to) runs in, or nullptr.
  const Group* group_of(const Step& s) const {
    return s.group >= 0 ? &groups[static_cast<std::size_t>(s.group)] : nullptr;
  }
  // Index of a step in `steps`, or -1.
  int index_of(std::string_view id) const;
  // Where a value of a step's params is written: "Tags[1].TagKey" -> its line:column; falls
  // back to the params table (or the step) when the path is not in the file (defaults).
  Location locate_param(const Step& step, std::string_view json_path) const;
  Location locate_in(const toml::table* table, std::string_view json_path, Location fallback) const;
  // Where the key (not the value) at `json_path` is written: "unknown key" points here.
  Location locate_key(const toml::table* table, std::string_view json_path,
                      Location fallback) const;
  // Call after changing `steps` (the parser does).
  void rebuild_index();

 private:
  std::map<std::string, int, std::less<>> index_;
};

}  // namespace tcplan::planner
