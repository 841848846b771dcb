// The duration model (predict.h).
#include "planner/predict.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <queue>

#include "api/catalog.h"
#include "base/duration.h"

namespace tcplan::planner {

namespace json = boost::json;

namespace {

using namespace std::chrono_literals;

// One call's round trip: the cloud answers in tens to hundreds of milliseconds (docs/executor.md,
// "Why the loop looks like this"); the upper end keeps predictions honest. Counted in the
// target's time (an emulator answers faster still).
constexpr Millis kCall{300};
// The client paces each action at this share of its documented rate (executor/rate_limiter.h).
constexpr double kRateHeadroom = 0.97;
constexpr Millis kMaxPoll = 60s;

Millis cloud_ms(double real_seconds, double time_scale) {
  return Millis{static_cast<std::int64_t>(std::llround(real_seconds * time_scale * 1000))};
}

// Real seconds between two sends of one action at the client's pace.
double spacing_seconds(const std::string& service, const std::string& action) {
  const api::ActionSpec* spec = api::Catalog::builtin().find(service, action);
  const double rate = (spec && spec->rate_limit > 0 ? spec->rate_limit : 20) * kRateHeadroom;
  return 1.0 / rate;
}

std::string flow_name(const std::string& action) {
  if (action.starts_with("Create")) return "create";
  if (action.starts_with("ScaleOut")) return "scale-out";
  if (action == "TerminateTasks" || action == "TerminateClusterNodes") return "scale-in";
  if (action == "StartStopServiceOrMonitor") return "restart";
  return "terminate";
}

// The step whose flow a wait waits for: the one its flow/trace names, or the nearest earlier
// step that starts a flow on the cluster it watches (the same text: "${item}", a var, an id,
// or the InstanceId of a create).
int wait_source(const Plan& plan, std::size_t i) {
  const Step& w = plan.steps[i];
  for (const std::string* ref : {&w.flow, &w.trace}) {
    const auto at = ref->find("${steps.");
    if (at == std::string::npos) continue;
    const auto end = ref->find('.', at + 8);
    if (end == std::string::npos) continue;
    return plan.index_of(ref->substr(at + 8, end - at - 8));
  }
  for (std::size_t j = i; j-- > 0;) {
    const Step& s = plan.steps[j];
    if (s.kind == StepKind::kWait || expected_flow(s.service, s.action, s.params) == 0ms) continue;
    if (s.kind == StepKind::kCreate) {
      if (w.cluster.find("${steps." + s.id + ".InstanceId}") != std::string::npos) {
        return static_cast<int>(j);
      }
      continue;
    }
    const json::value* id = s.params.if_contains("InstanceId");
    if (s.service == "emr" && id && id->is_string() && id->as_string() == w.cluster) {
      return static_cast<int>(j);
    }
  }
  return -1;
}

std::string minutes(Millis d) {
  return "~" + base::format_duration(std::chrono::duration_cast<std::chrono::seconds>(d));
}

}  // namespace

Millis expected_flow(const std::string& service, const std::string& action,
                     const json::object& params) {
  if (service == "cvm" || service == "ecm") return action == "TerminateInstances" ? 1min : 0ms;
  if (service != "emr") return 0ms;
  if (action == "CreateInstance" || action == "CreateCluster") return 10min;
  if (action == "ScaleOutInstance" || action == "ScaleOutCluster") return 5min;
  if (action == "TerminateTasks") return 3min;
  if (action == "TerminateClusterNodes") {
    Millis grace{0};
    const json::value* flag = params.if_contains("GraceDownFlag");
    const json::value* time = params.if_contains("GraceDownTime");
    if (flag && flag->is_bool() && flag->as_bool() && time && time->is_number()) {
      grace = Millis{time->to_number<std::int64_t>() * 1000};
    }
    return 3min + grace;
  }
  if (action == "TerminateInstance") return 2min;
  if (action == "StartStopServiceOrMonitor") {
    const json::value* op = params.if_contains("OpType");
    const bool restart = !op || (op->is_string() && op->as_string() == "RestartService");
    return restart ? 2min : 1min;
  }
  return 0ms;
}

Millis next_poll_interval(Millis current) {
  return std::clamp(current + current / 2, Millis{1}, kMaxPoll);
}

Millis poll_until(Millis poll, Millis until, bool first_after_poll) {
  Millis t{0};
  Millis interval = std::max(poll, Millis{1});
  if (first_after_poll) {
    t = interval;
    interval = std::min(next_poll_interval(interval), kMaxPoll);
  }
  while (t < until) {
    t += interval;
    interval = std::min(next_poll_interval(interval), kMaxPoll);
  }
  return t;
}

namespace {

// How one step's calls are paced and what one item of it takes, given how long after the item
// starts the flow it waits for ends (`until`, waits only).
struct StepModel {
  Millis spacing{0};  // between two items' sends, in cloud time (0: batched status reads)
  Millis flow{0};     // the flow one call starts
  bool restart = false;
  std::string action;  // the action paced (a wait's read)
  int source = -1;     // a wait: the step whose flow it waits for
};

StepModel model_of(const Plan& plan, std::size_t i, double scale) {
  const Step& s = plan.steps[i];
  StepModel m;
  m.action = s.kind == StepKind::kWait
                 ? (s.until.empty() ? "DescribeClusterFlowStatusDetail" : "DescribeInstances")
                 : s.action;
  // Status waits read DescribeInstances in batches of up to 100 clusters
  // (executor/runner_status.cc): a fleet's reads are not paced one by one.
  const bool batched = s.kind == StepKind::kWait && !s.until.empty();
  m.spacing = batched ? 0ms : cloud_ms(spacing_seconds(s.service, m.action), scale);
  m.flow = s.kind == StepKind::kWait ? 0ms : expected_flow(s.service, s.action, s.params);
  m.restart = s.kind == StepKind::kRestart;
  if (s.kind == StepKind::kWait) m.source = wait_source(plan, i);
  return m;
}

// One item of step i, `until` after it starts (waits), and how it got there.
Millis one_item(const Plan& plan, std::size_t i, const StepModel& m, Millis until,
                std::string* basis) {
  const Step& s = plan.steps[i];
  if (s.kind == StepKind::kWait) {
    if (basis) {
      *basis = m.source >= 0 ? "waits for the flow of '" + plan.steps[m.source].id + "' (" +
                                   (until > 0ms ? minutes(until) + " left" : "already over") +
                                   "), polls from " + base::format_duration(s.poll)
                             : "one poll (no flow to wait for)";
    }
    return poll_until(s.poll, until) + kCall;
  }
  if (m.restart) {
    // The runner itself waits for the restart: one `poll` later, then polls.
    if (basis) {
      *basis = flow_name(s.action) + " " + minutes(m.flow) + ", polls from " +
               base::format_duration(s.poll);
    }
    return kCall + poll_until(s.poll, m.flow, true) + kCall;
  }
  if (basis) {
    *basis = m.flow > 0ms
                 ? "1 call; starts a " + flow_name(s.action) + " flow of " + minutes(m.flow)
                 : "1 call";
  }
  return kCall;
}

std::string pace_text(const Step& s, const StepModel& m) {
  if (m.spacing == 0ms) return "status reads batched";
  char rate[48];
  std::snprintf(rate, sizeof rate, "sent at %.1f/s", 1.0 / spacing_seconds(s.service, m.action));
  return rate;
}

// A step that fans out over its items as one barrier: sent at the action's pace, at most
// max_parallel at once.
void predict_step(const Plan& plan, std::size_t i, double scale, PlanTiming& out) {
  const Step& s = plan.steps[i];
  StepTiming& t = out.steps[i];
  const StepModel m = model_of(plan, i, scale);
  Millis until{0};
  if (m.source >= 0 && out.steps[m.source].flow_end > t.start) {
    until = out.steps[m.source].flow_end - t.start;
  }
  t.per_item = one_item(plan, i, m, until, &t.basis);
  const std::size_t n = t.items;
  const std::size_t width = s.max_parallel > 0 ? static_cast<std::size_t>(s.max_parallel) : n;
  std::vector<Millis> ends;
  Millis last_call{0};
  for (std::size_t k = 0; k < n; ++k) {
    Millis begin = m.spacing * static_cast<std::int64_t>(k);
    if (width > 0 && k >= width) begin = std::max(begin, ends[k - width]);
    ends.push_back(begin + t.per_item);
    last_call = std::max(last_call, begin + kCall);
  }
  t.duration = ends.empty() ? 0ms : *std::max_element(ends.begin(), ends.end());
  if (m.flow > 0ms) t.flow_end = m.restart ? t.start + t.duration : t.start + last_call + m.flow;
  if (n != 1) {
    t.basis = std::to_string(n) + " items" +
              (width < n ? ", " + std::to_string(width) + " at a time" : std::string()) + ", " +
              pace_text(s, m) + "; each: " + t.basis;
  }
}

// A [[groups]] pipeline (executor/schedule.h): each item goes through the group's steps in
// order as soon as it can, at most max_parallel items inside at once, the first `canary`
// items through the whole group before any other starts, and each action's calls at its pace
// across the items. A step's timing spans all items: from the group's start until its last
// item is through it.
void predict_group(const Plan& plan, const Group& g, double scale, PlanTiming& out) {
  const std::size_t first = g.first, count = g.count;
  const Millis start = out.steps[first].start;
  const std::size_t n = out.steps[first].items;
  std::vector<StepModel> models;
  for (std::size_t j = 0; j < count; ++j)
    models.push_back(model_of(plan, first + j, scale));
  std::map<std::string, Millis> next_send;  // by action: when its next call may go
  std::vector<Millis> step_end(count, start), flow_end(count, 0ms);
  std::vector<Millis> item_flow(count);
  std::priority_queue<Millis, std::vector<Millis>, std::greater<>> inside;  // items' ends
  const std::size_t cap = g.max_parallel > 0 ? static_cast<std::size_t>(g.max_parallel) : n;
  const std::size_t canary = std::min<std::size_t>(static_cast<std::size_t>(g.canary), n);
  Millis canary_end = start;
  for (std::size_t k = 0; k < n; ++k) {
    Millis at = k >= canary ? canary_end : start;
    if (cap > 0 && inside.size() >= cap) {
      at = std::max(at, inside.top());
      inside.pop();
    }
    for (std::size_t j = 0; j < count; ++j) {
      const std::size_t i = first + j;
      const StepModel& m = models[j];
      Millis begin = at;
      if (m.spacing > 0ms) {
        Millis& slot = next_send[plan.steps[i].service + " " + m.action];
        begin = std::max(begin, slot);
        slot = begin + m.spacing;
      }
      Millis until{0};
      if (m.source >= static_cast<int>(first)) {
        // This item's own flow, started by an earlier step of the group.
        until = std::max(0ms, item_flow[static_cast<std::size_t>(m.source) - first] - begin);
      } else if (m.source >= 0) {
        until = std::max(0ms, out.steps[m.source].flow_end - begin);
      }
      const Millis end = begin + one_item(plan, i, m, until, nullptr);
      item_flow[j] = m.flow > 0ms ? (m.restart ? end : begin + kCall + m.flow) : 0ms;
      flow_end[j] = std::max(flow_end[j], item_flow[j]);
      step_end[j] = std::max(step_end[j], end);
      at = end;
    }
    inside.push(at);
    if (k < canary) canary_end = std::max(canary_end, at);
  }
  for (std::size_t j = 0; j < count; ++j) {
    StepTiming& t = out.steps[first + j];
    const Step& s = plan.steps[first + j];
    t.start = start;
    t.items = n;
    t.duration = step_end[j] - start;
    t.flow_end = flow_end[j];
    Millis until{0};
    if (models[j].source >= static_cast<int>(first)) {
      const StepModel& src = models[static_cast<std::size_t>(models[j].source) - first];
      until = src.restart ? 0ms : src.flow;  // one item's own flow, as it reaches the wait
    }
    t.per_item = one_item(plan, first + j, models[j], until, &t.basis);
    t.basis = "group " + g.id + ", " + std::to_string(n) + " items (" +
              (cap < n ? std::to_string(cap) + " at a time" : std::string("all at once")) +
              (canary > 0 ? ", " + std::to_string(canary) + " canary first" : std::string()) +
              "), " + pace_text(s, models[j]) + "; each: " + t.basis;
  }
}

}  // namespace

PlanTiming predict_plan(const Plan& plan, const std::vector<std::size_t>& items,
                        const PredictOptions& options) {
  PlanTiming out;
  out.steps.resize(plan.steps.size());
  const double scale = options.time_scale > 0 ? options.time_scale : 1.0;
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const Step& s = plan.steps[i];
    const Group* g = plan.group_of(s);
    if (g != nullptr && i != g->first) continue;  // predicted with the group's first step
    StepTiming& t = out.steps[i];
    t.items = i < items.size() ? items[i] : 1;
    for (const auto& dep : s.after) {
      const int d = plan.index_of(dep);
      if (d >= 0 && static_cast<std::size_t>(d) < i) {
        t.start = std::max(t.start, out.steps[d].start + out.steps[d].duration);
      }
    }
    if (g != nullptr) {
      predict_group(plan, *g, scale, out);
    } else {
      predict_step(plan, i, scale, out);
    }
  }
  for (const StepTiming& t : out.steps)
    out.makespan = std::max(out.makespan, t.start + t.duration);
  return out;
}

}  // namespace tcplan::planner
