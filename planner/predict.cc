// The duration model (predict.h).
#include "planner/predict.h"

#include <algorithm>
#include <cmath>
#include <optional>

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

PlanTiming predict_plan(const Plan& plan, const std::vector<std::size_t>& items,
                        const PredictOptions& options) {
  PlanTiming out;
  out.steps.resize(plan.steps.size());
  const double scale = options.time_scale > 0 ? options.time_scale : 1.0;
  const Millis call = kCall;
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const Step& s = plan.steps[i];
    StepTiming& t = out.steps[i];
    t.items = i < items.size() ? items[i] : 1;
    for (const auto& dep : s.after) {
      const int d = plan.index_of(dep);
      if (d >= 0 && static_cast<std::size_t>(d) < i) {
        t.start = std::max(t.start, out.steps[d].start + out.steps[d].duration);
      }
    }
    const std::string action =
        s.kind == StepKind::kWait
            ? (s.until.empty() ? "DescribeClusterFlowStatusDetail" : "DescribeInstances")
            : s.action;
    const Millis spacing = cloud_ms(spacing_seconds(s.service, action), scale);
    const Millis flow =
        s.kind == StepKind::kWait ? 0ms : expected_flow(s.service, s.action, s.params);
    const bool restart = s.kind == StepKind::kRestart;

    // One item, and what it waits for.
    Millis until{0};  // for a wait: how long after the wait starts the flow ends
    if (s.kind == StepKind::kWait) {
      const int src = wait_source(plan, i);
      if (src >= 0 && out.steps[src].flow_end > t.start) until = out.steps[src].flow_end - t.start;
      t.per_item = poll_until(s.poll, until) + call;
      t.basis = src >= 0 ? "waits for the flow of '" + plan.steps[src].id + "' (" +
                               (until > 0ms ? minutes(until) + " left" : "already over") +
                               "), polls from " + base::format_duration(s.poll)
                         : "one poll (no flow to wait for)";
    } else if (restart) {
      // The runner itself waits for the restart: one `poll` later, then polls.
      t.per_item = call + poll_until(s.poll, flow, true) + call;
      t.basis = flow_name(s.action) + " " + minutes(flow) + ", polls from " +
                base::format_duration(s.poll);
    } else {
      t.per_item = call;
      t.basis = flow > 0ms ? "1 call; starts a " + flow_name(s.action) + " flow of " + minutes(flow)
                           : "1 call";
    }

    // The items: sent at the action's pace, at most max_parallel at once.
    const std::size_t n = t.items;
    const std::size_t width = s.max_parallel > 0 ? static_cast<std::size_t>(s.max_parallel) : n;
    std::vector<Millis> ends;
    Millis last_call{0};
    for (std::size_t k = 0; k < n; ++k) {
      Millis begin = spacing * static_cast<std::int64_t>(k);
      if (width > 0 && k >= width) begin = std::max(begin, ends[k - width]);
      ends.push_back(begin + t.per_item);
      last_call = std::max(last_call, begin + call);
    }
    t.duration = ends.empty() ? 0ms : *std::max_element(ends.begin(), ends.end());
    if (flow > 0ms) t.flow_end = restart ? t.start + t.duration : t.start + last_call + flow;
    if (n != 1) {
      char rate[32];
      std::snprintf(rate, sizeof rate, "%.1f/s", 1.0 / spacing_seconds(s.service, action));
      t.basis = std::to_string(n) + " items" +
                (width < n ? ", " + std::to_string(width) + " at a time" : std::string()) +
                ", sent at " + rate + "; each: " + t.basis;
    }
    out.makespan = std::max(out.makespan, t.start + t.duration);
  }
  return out;
}

}  // namespace tcplan::planner
