#include <boost/asio/post.hpp>
#include <cstdio>

#include "base/duration.h"
#include "base/time.h"
#include "executor/runner_internal.h"

namespace tcplan::executor {

namespace {

FailurePolicy policy(planner::OnFailure f) {
  switch (f) {
    case planner::OnFailure::kContinue:
      return FailurePolicy::kContinue;
    case planner::OnFailure::kRollback:
      return FailurePolicy::kRollback;
    case planner::OnFailure::kStop:
      break;
  }
  return FailurePolicy::kStop;
}

std::string exception_text(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "unknown exception";
  }
}

}  // namespace

ItemState StepReport::status() const {
  auto any = [&](ItemState s) {
    return std::any_of(items.begin(), items.end(),
                       [s](const ItemReport& i) { return i.status == s; });
  };
  // The first state present, in this order of precedence, is the step's.
  for (ItemState s : {ItemState::kFailed, ItemState::kRefused, ItemState::kInterrupted,
                      ItemState::kPending, ItemState::kSkipped}) {
    if (any(s)) return s;
  }
  return ItemState::kSucceeded;
}

std::int64_t StepReport::attempts() const {
  std::int64_t n = 0;
  for (const auto& i : items)
    n += i.attempts;
  return n;
}

std::chrono::milliseconds StepReport::duration() const {
  std::chrono::milliseconds d{0};
  for (const auto& i : items)
    d = std::max(d, i.duration);
  return d;
}

Runner::Runner(const planner::Plan& plan, api::Client& client, Journal& journal, RunOptions options)
    : plan_(plan),
      client_(client),
      journal_(journal),
      options_(std::move(options)),
      pool_(std::max<std::size_t>(1, options_.workers)),
      done_(io_),
      limiter_(options_.limiter ? options_.limiter : std::make_shared<RateLimiter>()),
      budget_(20, 2.0),
      rng_(options_.seed != 0 ? options_.seed : std::hash<std::string>{}(journal.run_id())) {}

Runner::~Runner() {
  pool_.join();
}

void Runner::restore(std::map<std::pair<std::string, int>, ResumedItem> state) {
  resumed_ = std::move(state);
}

std::chrono::milliseconds Runner::scaled(std::chrono::milliseconds d) const {
  if (options_.time_scale <= 1.0) return d;
  auto ms = static_cast<std::int64_t>(static_cast<double>(d.count()) / options_.time_scale);
  return std::chrono::milliseconds{std::max<std::int64_t>(ms, d.count() > 0 ? 1 : 0)};
}

SysTime Runner::now() const {
  if (!options_.now) return std::chrono::system_clock::now();
  auto elapsed = std::chrono::steady_clock::now() - started_;
  return *options_.now + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                             elapsed * options_.time_scale);
}

bool Runner::past_deadline(const Item& it) const {
  return std::chrono::steady_clock::now() >= it.deadline;
}

std::string Runner::context_region(const planner::Step& step) const {
  if (!step.region.empty()) return step.region;
  if (!plan_.region.empty()) return plan_.region;
  return client_.options().region;
}

planner::ResolveContext Runner::resolve_context(const Item* it) const {
  planner::ResolveContext ctx;
  ctx.plan = &plan_;
  ctx.run_id = journal_.run_id();
  ctx.item = it ? it->item_value : nullptr;
  ctx.fleets = options_.fleets;   // the items the dry run chose for queries
  if (it == nullptr) return ctx;  // a for_each list: from literals and vars
  // Only the steps this one refers to: copying every finished step's outputs for each item of
  // a fleet would cost items x outputs.
  auto refs = refs_.find(it->step);
  if (refs == refs_.end())
    refs = refs_.emplace(it->step, planner::referenced_steps(*it->step)).first;
  for (const std::string& id : refs->second) {
    const int n = plan_.index_of(id);
    if (n < 0) continue;
    const auto& step = plan_.steps[static_cast<std::size_t>(n)];
    const auto& node_items = items_[static_cast<std::size_t>(n)];
    if (step.group >= 0 && step.group == it->step->group) {
      // A step of the same group: this item's own output.
      if (it->index < node_items.size()) {
        const Item& same = *node_items[it->index];
        if (same.report.status == ItemState::kSucceeded) {
          ctx.outputs[id] =
              same.report.outputs.is_null() ? json::value(json::object{}) : same.report.outputs;
        }
      }
      continue;
    }
    json::array list;
    bool complete = !node_items.empty() || step.for_each.has_value();
    for (const auto& item : node_items) {
      if (item->report.status != ItemState::kSucceeded) complete = false;
      list.push_back(item->report.outputs.is_null() ? json::value(json::object{})
                                                    : item->report.outputs);
    }
    if (!complete) continue;
    if (step.for_each) {
      ctx.outputs[id] = std::move(list);
    } else {
      ctx.outputs[id] = list.front();
    }
  }
  for (const auto& [id, outputs] : undo_outputs_)
    ctx.outputs[id] = outputs;
  return ctx;
}

void Runner::record(audit::EventKind kind, const Item& it, json::object payload) {
  // Queued, never waited for on the loop. A failure (now or when it is committed) marks the
  // journal unhealthy; pump() then stops the run with its message.
  if (!journal_.post(kind, it.ctx, payload)) asio::post(io_, [this] { pump(); });
}

void Runner::progress(const Item& it, const std::string& state) {
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - it.started);
  // The time of day (UTC, as in the trail) first: a line read later says when it was true.
  std::string line = base::format_utc(std::chrono::system_clock::now()).substr(11) + " " +
                     it.step->id + (it.item >= 0 ? "[" + std::to_string(it.item) + "]" : "") +
                     ": " + state + " (" + base::format_elapsed(elapsed) + ")";
  if (options_.progress_on_terminal) {
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
  } else if (options_.log) {
    options_.log(line);
  }
}

awaitable<bool> Runner::sleep_for(std::chrono::milliseconds d, Item* it) {
  if (interrupted_) co_return false;
  if (it) {
    // Never sleep past the step's deadline: the caller re-checks it on waking.
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        it->deadline - std::chrono::steady_clock::now());
    d = std::clamp(d, std::chrono::milliseconds{0}, std::max(left, std::chrono::milliseconds{0}));
  }
  asio::steady_timer timer(io_, d);
  timers_.insert(&timer);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  timers_.erase(&timer);
  co_return !interrupted_;
}

void Runner::interrupt() {
  if (interrupted_) return;
  interrupted_ = true;
  schedule_->stop_starting();
  for (auto* t : timers_)
    t->cancel();
  done_.cancel();
}

void Runner::pump() {
  if (!journal_.healthy() && !interrupted_) {
    fatal_ = journal_.failure();
    interrupt();
  }
  for (WorkItem w : schedule_->take_ready())
    to_start_.push_back(w);
  if (!start_posted_ && !to_start_.empty()) {
    start_posted_ = true;
    asio::post(io_, [this] { start_next(); });
  }
}

// Ready items start one per turn of the event loop, not all in one handler: a start runs up
// to its first wait, which includes committing step_started (an fsync), and 200 of those in a
// row would hold every timer, rate-limit slots included, for a second or more; the slots
// would then fire together and the time would be lost (docs/benchmarks.md, "Executor").
void Runner::start_next() {
  start_posted_ = false;
  if (to_start_.empty()) return;
  WorkItem w = to_start_.front();
  to_start_.pop_front();
  asio::co_spawn(io_, run_item(w.node, w.item), [this, w](std::exception_ptr e) {
    Item& it = *items_[w.node][w.item];
    if (e) {
      it.report.status = ItemState::kFailed;
      it.report.detail = "internal error: " + exception_text(e);
    }
    if (it.report.status == ItemState::kSucceeded) {
      schedule_->finished(w, true);
    } else if (it.report.status == ItemState::kInterrupted) {
      schedule_->abandoned(w);
    } else {
      schedule_->finished(w, false);
    }
    pump();
    done_.cancel();
  });
  if (!start_posted_ && !to_start_.empty()) {
    start_posted_ = true;
    asio::post(io_, [this] { start_next(); });
  }
}

awaitable<void> Runner::main_loop() {
  pump();
  while (schedule_->phase() == RunPhase::kRunning) {
    done_.expires_at(std::chrono::steady_clock::time_point::max());
    boost::system::error_code ec;
    co_await done_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (schedule_->phase() == RunPhase::kRollingBack && !interrupted_) co_await rollback();
}

awaitable<void> Runner::run_item(std::size_t node, std::size_t index) {
  Item& it = *items_[node][index];
  const planner::Step& step = *it.step;
  it.started = std::chrono::steady_clock::now();
  it.deadline = it.started + scaled(step.timeout);
  if (it.prior) {
    it.attempt = it.prior->attempts;
    it.selected = it.prior->selected;
  }

  // How long the step should take: its prediction when the dry run made one, else its timeout.
  const auto predicted = options_.predicted.find(step.id);
  const auto expected = predicted != options_.predicted.end() ? predicted->second : step.timeout;
  auto verdict = check_window(plan_.window ? std::optional<ChangeWindow>(ChangeWindow{
                                                 plan_.window->start, plan_.window->end})
                                           : std::nullopt,
                              now(), expected);
  if (verdict != WindowVerdict::kOpen) {
    it.report.status = ItemState::kRefused;
    it.report.detail =
        "not started: " +
        describe(verdict, ChangeWindow{plan_.window->start, plan_.window->end}, now(), expected);
    record(audit::EventKind::kRefused, it, {{"reason", "window"}, {"detail", it.report.detail}});
    co_return;
  }

  if (step.kind == planner::StepKind::kWait) {
    co_await run_wait_step(it);
  } else {
    co_await run_call_step(it);
  }
  if (it.report.status == ItemState::kPending) it.report.status = ItemState::kSucceeded;
  if (interrupted_ && it.report.status != ItemState::kSucceeded &&
      it.report.status != ItemState::kFailed) {
    it.report.status = ItemState::kInterrupted;
  }
  it.report.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - it.started);
  it.report.attempts = it.attempt;
  if (it.report.status == ItemState::kInterrupted) co_return;  // unfinished: resume picks it up

  json::object payload{{"status", to_string(it.report.status)}};
  if (!it.report.outputs.is_null()) payload["outputs"] = it.report.outputs;
  if (!it.report.detail.empty()) {
    payload[it.report.status == ItemState::kFailed ? "error" : "detail"] = it.report.detail;
  }
  record(audit::EventKind::kStepFinished, it, std::move(payload));

  // A group's item that failed in a step with on_failure = "rollback" undoes what it did, for
  // itself alone, before it counts as failed: the other items go on.
  if (it.report.status == ItemState::kFailed && step.group >= 0 &&
      step.on_failure == planner::OnFailure::kRollback && !interrupted_) {
    co_await undo_item(static_cast<std::size_t>(step.group), it.index);
  }
}

awaitable<void> Runner::run_undo(const planner::Step& u, const planner::Step& parent, int item) {
  auto holder = std::make_unique<Item>();
  Item& it = *holder;
  it.step = &u;
  it.ctx.step_id = u.id;
  if (item >= 0) {
    // The undo of a group's step undoes one item: ${item} and the item's outputs are its.
    it.item = item;
    it.index = static_cast<std::size_t>(item);
    it.item_value = &group_values_[static_cast<std::size_t>(parent.group)][it.index];
    it.ctx.item = std::to_string(item);
  }
  it.started = std::chrono::steady_clock::now();
  it.deadline = it.started + scaled(u.timeout);
  if (u.kind == planner::StepKind::kWait) {
    co_await run_wait_step(it);
  } else {
    co_await run_call_step(it);
  }
  if (it.report.status == ItemState::kPending) it.report.status = ItemState::kSucceeded;
  if (interrupted_ && it.report.status != ItemState::kSucceeded)
    it.report.status = ItemState::kInterrupted;
  it.report.attempts = it.attempt;
  it.report.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - it.started);
  json::object payload{{"status", to_string(it.report.status)}, {"undo_of", parent.id}};
  if (!it.report.detail.empty()) payload["detail"] = it.report.detail;
  if (!it.report.outputs.is_null()) {
    payload["outputs"] = it.report.outputs;
    if (item < 0) undo_outputs_[u.id] = it.report.outputs;
  }
  record(audit::EventKind::kStepFinished, it, std::move(payload));
  StepReport r;
  r.id = u.id + (item >= 0 ? "[" + std::to_string(item) + "]" : "");
  r.kind = planner::to_string(u.kind);
  r.items.push_back(it.report);
  undo_report_.undo.push_back(std::move(r));
}

awaitable<void> Runner::undo_item(std::size_t group, std::size_t item) {
  for (std::size_t node : schedule_->item_rollback_order(group, item)) {
    const planner::Step& parent = plan_.steps[node];
    for (auto u = parent.undo.rbegin(); u != parent.undo.rend() && !interrupted_; ++u)
      co_await run_undo(*u, parent, static_cast<int>(item));
  }
}

awaitable<void> Runner::rollback() {
  for (std::size_t node : schedule_->rollback_order()) {
    const planner::Step& parent = plan_.steps[node];
    if (parent.undo.empty()) continue;
    if (parent.group >= 0) {
      // A group's step is undone for every item that finished it, latest item first.
      for (std::size_t i = items_[node].size(); i-- > 0 && !interrupted_;) {
        if (schedule_->state({node, i}) != ItemState::kSucceeded) continue;
        for (auto u = parent.undo.rbegin(); u != parent.undo.rend() && !interrupted_; ++u)
          co_await run_undo(*u, parent, static_cast<int>(i));
      }
      continue;
    }
    for (auto u = parent.undo.rbegin(); u != parent.undo.rend() && !interrupted_; ++u)
      co_await run_undo(*u, parent, -1);
  }
}

std::optional<std::string> Runner::changed_since_start() {
  for (auto& node_items : items_) {
    for (auto& it : node_items) {
      if (!it->prior || it->prior->request_digest.empty()) continue;
      if (it->step->kind == planner::StepKind::kWait) continue;
      auto built =
          build_request(*it->step, it->item, resolve_context(it.get()), context_region(*it->step));
      std::string now = built ? built->digest : "(cannot resolve: " + built.error().message + ")";
      if (now != it->prior->request_digest) {
        return "step '" + it->step->id + "'" +
               (it->item >= 0 ? " item " + std::to_string(it->item) : std::string()) +
               " changed since run " + journal_.run_id() +
               " began: its resolved request is not the one recorded (recorded sha256 " +
               it->prior->request_digest.substr(0, 12) + ", now " + now.substr(0, 12) +
               "); resume with the plan as it was, or start a new run";
      }
    }
  }
  return std::nullopt;
}

RunReport Runner::run() {
  started_ = std::chrono::steady_clock::now();
  RunReport report;

  // Fan-out lists come from literals or vars, so they are known before anything runs. A
  // group's list is resolved once, for all its steps.
  group_values_.resize(plan_.groups.size());
  std::vector<ScheduleGroup> groups;
  for (std::size_t g = 0; g < plan_.groups.size(); ++g) {
    const planner::Group& group = plan_.groups[g];
    if (group.count == 0) {  // validation refuses it; never an empty pipeline
      report.status = RunStatus::kFailed;
      report.detail = "group '" + group.id + "' has no steps";
      return report;
    }
    auto list = planner::resolve_for_each(plan_.steps[group.first], resolve_context(nullptr));
    if (!list) {
      report.status = RunStatus::kFailed;
      report.detail = "group '" + group.id + "': for_each: " + list.error().message;
      return report;
    }
    group_values_[g] = std::move(*list);
    ScheduleGroup sg;
    sg.id = group.id;
    sg.items = group_values_[g].size();
    sg.max_parallel = static_cast<std::size_t>(std::max(0, group.max_parallel));
    sg.canary = static_cast<std::size_t>(std::max(0, group.canary));
    sg.max_failures = group.allowed_failures(sg.items);
    sg.on_failure = policy(group.on_failure);
    for (std::size_t k = 0; k < group.count; ++k)
      sg.nodes.push_back(group.first + k);
    for (const auto& dep : group.after) {
      if (int d = plan_.index_of(dep); d >= 0) sg.deps.push_back(static_cast<std::size_t>(d));
    }
    groups.push_back(std::move(sg));
  }
  std::vector<ScheduleNode> nodes;
  items_.resize(plan_.steps.size());
  for_each_values_.resize(plan_.steps.size());
  for (std::size_t n = 0; n < plan_.steps.size(); ++n) {
    const auto& step = plan_.steps[n];
    ScheduleNode sn;
    sn.id = step.id;
    sn.on_failure = policy(step.on_failure);
    sn.max_parallel = static_cast<std::size_t>(std::max(0, step.max_parallel));
    for (const auto& dep : step.after) {
      int d = plan_.index_of(dep);
      if (d >= 0) sn.deps.push_back(static_cast<std::size_t>(d));
    }
    const json::array* values = nullptr;
    if (step.group >= 0) {
      values = &group_values_[static_cast<std::size_t>(step.group)];
    } else if (step.for_each) {
      auto list = planner::resolve_for_each(step, resolve_context(nullptr));
      if (!list) {
        report.status = RunStatus::kFailed;
        report.detail = "step '" + step.id + "': for_each: " + list.error().message;
        return report;
      }
      for_each_values_[n] = std::move(*list);
      values = &for_each_values_[n];
    }
    const std::size_t count = values ? values->size() : 1;
    sn.items = count;
    nodes.push_back(sn);
    items_[n].reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      auto it = std::make_unique<Item>();
      it->node = n;
      it->index = i;
      it->step = &step;
      it->item = values ? static_cast<int>(i) : -1;
      it->item_value = values ? &(*values)[i] : nullptr;
      it->ctx.step_id = step.id;
      it->ctx.item = values ? std::to_string(i) : "";
      if (auto r = resumed_.find({step.id, it->item}); r != resumed_.end()) it->prior = &r->second;
      items_[n].push_back(std::move(it));
    }
  }
  schedule_ =
      std::make_unique<Schedule>(std::move(nodes), std::move(groups), options_.max_parallel);

  // Items an earlier process finished are restored, with their outputs, before anything runs.
  for (std::size_t n = 0; n < items_.size(); ++n) {
    for (auto& it : items_[n]) {
      if (!it->prior || !it->prior->finished || !it->prior->succeeded) continue;
      it->report.status = ItemState::kSucceeded;
      it->report.outputs = it->prior->outputs;
      it->report.attempts = it->prior->attempts;
      it->report.explanation = "skipped: finished in an earlier process of this run";
      schedule_->restore({n, it->index}, true);
    }
  }

  if (auto changed = changed_since_start()) {
    report.status = RunStatus::kRefused;
    report.detail = *changed;
    return report;
  }

  // Ctrl-C / SIGTERM arrive on the signal watcher's thread: hand them to the loop.
  if (options_.interruption) {
    interruption_id_ =
        options_.interruption->on_request([this] { asio::post(io_, [this] { interrupt(); }); });
  }
  // A commit that fails on the journal's thread wakes the loop, which then stops the run.
  journal_.on_failure([this] { asio::post(io_, [this] { pump(); }); });
  asio::co_spawn(io_, main_loop(), [&](std::exception_ptr e) {
    if (e) fatal_ = "internal error: " + exception_text(e);
  });
  io_.run();
  journal_.on_failure(nullptr);
  // Everything the loop queued is in the trail before the run is reported (and before
  // run_finished, which the driver records next).
  if (!journal_.flush() && fatal_.empty()) fatal_ = journal_.failure();
  if (options_.interruption) options_.interruption->remove(interruption_id_);
  if (options_.progress_on_terminal) std::fprintf(stderr, "\r\033[K");

  bool any_failed = false, any_refused = false;
  for (std::size_t n = 0; n < items_.size(); ++n) {
    StepReport sr;
    sr.id = plan_.steps[n].id;
    sr.kind = planner::to_string(plan_.steps[n].kind);
    const auto group = schedule_->group_of(n);
    for (auto& it : items_[n]) {
      if (it->report.status == ItemState::kPending && group) {
        // A group's item: why this step of it never ran.
        const GroupItemState gi = schedule_->group_item(*group, it->index);
        it->report.status =
            gi == GroupItemState::kInterrupted ? ItemState::kInterrupted : ItemState::kSkipped;
        if (gi == GroupItemState::kHeld) {
          it->report.explanation = "skipped: " + group_stop_text(*group);
        } else if (gi == GroupItemState::kFailed) {
          it->report.explanation = "skipped: an earlier step of this item failed";
        } else if (gi == GroupItemState::kSkipped) {
          it->report.explanation = schedule_->skip_reason(n) == SkipReason::kDependencyFailed
                                       ? "skipped: a step the group depends on did not succeed"
                                       : "skipped: the run stopped after a failure";
        }
      } else if (it->report.status == ItemState::kPending) {
        auto reason = schedule_->skip_reason(n);
        // An item the interruption kept from starting never started: it stays pending (its
        // resume runs it), and reads "pending", not "interrupted", in the summary.
        if (reason != SkipReason::kInterrupted) it->report.status = ItemState::kSkipped;
        if (reason == SkipReason::kInterrupted) {
          it->report.explanation = "not started: the run was interrupted";
        } else if (reason == SkipReason::kDependencyFailed) {
          it->report.explanation = "skipped: a step it depends on did not succeed";
        } else if (reason == SkipReason::kRunStopped) {
          it->report.explanation = "skipped: the run stopped after a failure";
        }
      }
      any_failed |= it->report.status == ItemState::kFailed;
      any_refused |= it->report.status == ItemState::kRefused;
      sr.items.push_back(it->report);
    }
    report.steps.push_back(std::move(sr));
  }
  report.undo = std::move(undo_report_.undo);
  for (const auto& u : report.undo)
    any_failed |= u.status() == ItemState::kFailed;
  report.groups = group_reports();

  if (!fatal_.empty()) {
    // A process that lost the run's lease did not stop of its own will, and must not say so.
    report.status =
        interrupted_ && !journal_.lease_lost() ? RunStatus::kInterrupted : RunStatus::kFailed;
    report.detail = fatal_;
  } else if (interrupted_) {
    report.status = RunStatus::kInterrupted;
  } else if (any_failed) {
    report.status = RunStatus::kFailed;
  } else if (any_refused) {
    // The change window kept a step from starting (and may have set off a rollback of what
    // ran): the run was refused (exit 3), not failed.
    report.status = RunStatus::kRefused;
  } else if (schedule_->rollback_trigger()) {
    report.status = RunStatus::kFailed;
  } else {
    report.status = RunStatus::kSucceeded;
  }
  return report;
}

}  // namespace tcplan::executor
