// Runner: executes a validated plan. One Asio io_context drives everything — ready steps
// start, timers drive polls, backoff and rate limits — and each step item is a coroutine, so
// its logic reads top to bottom. API calls block in libcurl, so they run on a small thread
// pool and resume the coroutine on the io_context when they return (chosen over
// curl-multi-on-Asio; docs/executor.md has the measurement). The Schedule decides what may
// start; the Journal records everything before it happens; every send whose predecessor may
// have taken effect goes through decide_resend() (resend_rule.h).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "api/client.h"
#include "executor/interruption.h"
#include "executor/journal.h"
#include "executor/rate_limiter.h"
#include "executor/request_builder.h"
#include "executor/resend_rule.h"
#include "executor/retry.h"
#include "executor/schedule.h"
#include "executor/status.h"
#include "executor/wait.h"
#include "executor/window.h"
#include "planner/fleet_query.h"
#include "planner/plan.h"

namespace tcplan::executor {

using boost::asio::awaitable;

struct RunOptions {
  std::size_t max_parallel = 0;  // --max-parallel; 0 = the plan's own limits only
  // Divides poll intervals, backoffs and step timeouts: a rehearsal against an emulator
  // whose flows run N times faster waits N times less. 1 against the real cloud.
  double time_scale = 1.0;
  std::optional<SysTime> now;  // --now: the clock for the change window starts here
  std::size_t workers = 8;     // threads making blocking API calls
  bool progress_on_terminal = false;
  std::function<void(const std::string&)> log;  // progress lines when not on a terminal
  std::uint64_t seed = 0;                       // jitter; 0 = from the run id
  Interruption* interruption = nullptr;         // Ctrl-C / SIGTERM; none: run to the end
  // The run's pacing (rate_limiter.h), shared with the dry run's reads so the two together
  // stay under each documented limit; on a team store its slots come from the store's shared
  // budget (rate_budget.h). None: the runner paces itself with a limiter of its own.
  std::shared_ptr<RateLimiter> limiter;
  // The clusters the dry run chose for each query-based for_each (pinned by a saved plan).
  const planner::Fleets* fleets = nullptr;
  // Each step's predicted duration per item (cloud time), by step id: a step does not start
  // when that would carry it past the window's end. A step without one is judged by its
  // timeout.
  std::map<std::string, std::chrono::milliseconds> predicted;
};

// What a step item left behind, for the summary, `--explain` and dependents.
struct ItemReport {
  ItemState status = ItemState::kPending;
  std::string detail;       // error (code, message, RequestId) or notes
  std::string explanation;  // why it ran, was skipped, re-sent or reconciled
  std::int64_t attempts = 0;
  std::chrono::milliseconds duration{0};
  boost::json::value outputs;  // response fields (null when none)
};

struct StepReport {
  std::string id;
  std::string kind;
  std::vector<ItemReport> items;  // one for an ordinary step
  ItemState status() const;       // aggregate
  std::int64_t attempts() const;
  std::chrono::milliseconds duration() const;
};

// One item of a [[groups]] pipeline: where it got to.
struct GroupItemReport {
  std::string item;  // the item's value, as text ("emr-4slr7ad7")
  ItemState status = ItemState::kPending;
  std::string step;    // the step it failed at, or was interrupted in
  std::string detail;  // that step's error, or why the item never started
};

struct GroupReport {
  std::string id;
  std::size_t succeeded = 0, failed = 0, not_started = 0, interrupted = 0;
  std::string stopped;  // why no more items started ("max_failures = 2 reached: ..."), if so
  std::vector<GroupItemReport> items;
};

struct RunReport {
  RunStatus status = RunStatus::kFailed;
  std::string detail;
  std::vector<StepReport> steps;
  std::vector<StepReport> undo;  // rollback steps that ran
  std::vector<GroupReport> groups;
};

// State carried over from an earlier process of the same run (resume).
struct ResumedItem {
  bool finished = false;
  bool succeeded = false;
  boost::json::value outputs;
  std::string request_digest;            // recorded at step_started
  std::vector<std::string> selected;     // scale_in: node ids chosen before the crash
  std::int64_t attempts = 0;             // highest attempt number already sent
  std::vector<AttemptOutcome> outcomes;  // each attempt sent, in order
  bool in_flight = false;                // the last attempt has no successful answer recorded
  bool call_succeeded = false;           // the step's call was answered OK; only its tail remains
  boost::json::value call_outputs;       // that answer's fields
};

class Runner {
 public:
  Runner(const planner::Plan& plan, api::Client& client, Journal& journal, RunOptions options);
  ~Runner();

  // Resume: what the trail says about (step id, item index) before this process started.
  void restore(std::map<std::pair<std::string, int>, ResumedItem> state);

  // Runs the plan to the end (or to an interruption by SIGINT/SIGTERM) and reports.
  RunReport run();

 private:
  struct Item;
  struct CallResult;
  struct ReadResult;
  struct StatusWaiter;
  struct StatusAnswer;
  // The flow this run last started on a cluster: when its answer came, how long it should take.
  struct FlowStart {
    std::chrono::steady_clock::time_point at;
    std::chrono::milliseconds expected{0};  // cloud time
  };

  // Scheduling.
  void pump();
  void start_next();
  awaitable<void> main_loop();
  awaitable<void> run_item(std::size_t node, std::size_t item);
  awaitable<void> rollback();
  // A group item whose step failed with on_failure = "rollback": the undo steps of the steps it
  // had finished, most recent first, for that item alone.
  awaitable<void> undo_item(std::size_t group, std::size_t item);
  // One undo step, for `item` of a group (-1: an ordinary step); recorded and reported.
  awaitable<void> run_undo(const planner::Step& undo, const planner::Step& parent, int item);
  void interrupt();

  // Steps.
  awaitable<void> run_call_step(Item& it);
  awaitable<void> run_wait_step(Item& it);
  awaitable<bool> select_nodes(Item& it, BuiltRequest& request);
  // No read before the flow this run started on the cluster is documented to end.
  awaitable<bool> wait_cluster(Item& it, const std::string& cluster, ClusterTarget target,
                               const std::string& why);
  // Remembers (or forgets) the flow a successful call started on its cluster, so that the
  // waits on it read no sooner than its documented end.
  void note_flow(const api::CallRequest& call, bool known_start);
  std::optional<std::chrono::milliseconds> since_flow_start(const std::string& cluster) const;
  std::chrono::milliseconds expected_flow(const std::string& cluster) const;

  // Cluster status (runner_status.cc): every read of one cluster's DescribeInstances entry
  // joins a batch with the others waiting at that moment in the region, up to 100 ids per
  // call, each call paced by the rate limiter like any other.
  awaitable<StatusAnswer> cluster_status(Item& it, const std::string& cluster,
                                         const std::string& region);  // retried like read()
  awaitable<StatusAnswer> read_status(const std::string& cluster, const std::string& region);
  awaitable<void> flush_status(std::string region);

  // Calls.
  awaitable<CallResult> send(Item& it, const BuiltRequest& request);
  // send_by: when set and passed once the rate limit lets the call go, it is not sent
  // (token_expired): an earlier attempt's outcome is unknown and its ClientToken may be gone.
  awaitable<CallResult> call_once(
      Item& it, const api::CallRequest& request, std::int64_t attempt,
      std::optional<std::chrono::steady_clock::time_point> send_by = std::nullopt);
  awaitable<CallResult> read(Item& it, const std::string& service, const std::string& action,
                             boost::json::object params, const std::string& region);
  // Waits for a send slot of the rate limit of `request`'s action (false: interrupted).
  awaitable<bool> wait_for_slot(const api::CallRequest& request);
  // The blocking call on the worker pool, recorded under `ctx` by the journal.
  awaitable<CallResult> call_on_pool(const api::CallRequest& request, const EventContext& ctx);
  // Every page of a Describe* list (api/pages.h), each page a read as above: the one
  // paginating reader of node selection and reconciliation. On failure `ok` is false and
  // `error` says why; the items read so far are dropped (a partial list is never used).
  struct ListResult;
  awaitable<ListResult> read_all(Item& it, const std::string& service, const std::string& action,
                                 boost::json::object params, const std::string& region,
                                 const std::string& list_field);
  // What the cloud shows of the request's effect (runner_reconcile.cc).
  awaitable<ReadResult> reconcile(Item& it, const BuiltRequest& request);
  // The re-send rule for this item now; `read` once a reconcile read was made.
  ResendFacts resend_facts(const Item& it, const BuiltRequest& request,
                           const ReadResult* read) const;
  // Applies the rule to what the attempts so far left (reading when it asks for a read) and
  // records the decision; the request is narrowed on kSendRest, `outputs` filled on kAdopt.
  awaitable<ResendDecision> settle(Item& it, BuiltRequest& request, boost::json::value& outputs);
  awaitable<bool> sleep_for(std::chrono::milliseconds d, Item* it);

  // Resume: refuses when a started step's resolved request differs from the recorded one.
  std::optional<std::string> changed_since_start();
  // The end of the run, per group: which items did what.
  std::vector<GroupReport> group_reports() const;
  // Why group g started no more items (empty: it did not stop).
  std::string group_stop_text(std::size_t g) const;

  // Helpers.
  planner::ResolveContext resolve_context(const Item* it) const;
  std::chrono::milliseconds scaled(std::chrono::milliseconds d) const;
  SysTime now() const;
  bool past_deadline(const Item& it) const;
  // A failed read of `it` (failures so far, counting this one): the delay before the next try,
  // recorded as retry_scheduled with `what` (which read) — or nullopt when the read gives up:
  // a permanent error, attempts spent, or past the step's deadline. Both readers use it.
  std::optional<std::chrono::milliseconds> read_retry_delay(Item& it, const api::ApiError& error,
                                                            int failures, boost::json::object what);
  void record(audit::EventKind kind, const Item& it, boost::json::object payload);
  void progress(const Item& it, const std::string& state);
  std::string context_region(const planner::Step& step) const;

  const planner::Plan& plan_;
  api::Client& client_;
  Journal& journal_;
  RunOptions options_;

  boost::asio::io_context io_;
  boost::asio::thread_pool pool_;
  std::unique_ptr<Schedule> schedule_;
  std::vector<std::vector<std::unique_ptr<Item>>> items_;  // [node][item]
  std::vector<boost::json::array> for_each_values_;        // per step (plain for_each steps)
  std::vector<boost::json::array> group_values_;           // per group: its items
  mutable std::map<const planner::Step*, std::set<std::string>> refs_;  // referenced_steps()
  std::map<std::string, FlowStart> flows_;  // cluster -> its last flow here
  // Batched status reads: waiters per region, and the regions with a batch being sent.
  std::map<std::string, std::vector<std::shared_ptr<StatusWaiter>>> status_waiting_;
  std::set<std::string> status_flushing_;
  std::map<std::pair<std::string, int>, ResumedItem> resumed_;
  std::map<std::string, boost::json::value> undo_outputs_;  // outputs of undo steps that ran
  RunReport undo_report_;
  std::set<boost::asio::steady_timer*> timers_;  // cancelled on interruption
  std::deque<WorkItem> to_start_;                // ready items, started one per loop turn
  bool start_posted_ = false;
  boost::asio::steady_timer done_;
  std::shared_ptr<RateLimiter> limiter_;
  RetryBudget budget_;
  std::mt19937_64 rng_;
  std::chrono::steady_clock::time_point started_;
  bool interrupted_ = false;
  std::string fatal_;  // set when the run must stop (audit failure, bad for_each)
  int interruption_id_ = -1;
};

}  // namespace tcplan::executor
