// How long a plan should take: each step's predicted duration and the plan's makespan, from
// tcplan's estimates of how long the cloud's flows last (the vendor documents none; the
// estimates are the emulator's model, docs/emulator-model.md), the catalog's rate limits and
// the number of calls, the poll intervals (executor/wait.h), for_each fan-out and
// max_parallel, and the `after` graph. Pure: the preview, apply's window-fit check and the
// tests call it with the plan and the number of items of each step.
//
// Durations are in cloud time: the target's own clock. At --time-scale N the emulator's flows
// run N times faster and a rehearsal's window clock (--now) runs N times faster too, so flows
// keep their length; rate limits are real time, so their share grows N times in cloud time.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <string>
#include <vector>

#include "planner/plan.h"

namespace tcplan::planner {

struct StepTiming {
  Millis start{0};     // after the plan starts
  Millis duration{0};  // until its last item ends
  Millis per_item{0};  // one item (the step itself without for_each)
  std::size_t items = 1;
  Millis flow_end{0};  // when the flow it starts ends, after the plan starts (0: none)
  std::string basis;   // how the figure was reached, for the preview
};

struct PlanTiming {
  std::vector<StepTiming> steps;  // parallel to plan.steps
  Millis makespan{0};
};

struct PredictOptions {
  double time_scale = 1.0;  // the target's (1 for the real cloud)
};

// items[i] is how many items step i runs: 1 without for_each, the list's length with it (a
// missing entry counts as 1).
PlanTiming predict_plan(const Plan& plan, const std::vector<std::size_t>& items,
                        const PredictOptions& options = {});

// tcplan's estimate of the flow an action starts, in cloud time; 0 when it starts none.
// `params` are the step's (for GraceDownTime and OpType).
Millis expected_flow(const std::string& service, const std::string& action,
                     const boost::json::object& params);

// The poll interval after `current`: half as long again, at most 60 s (cloud time). The one
// back-off rule of waits: executor/wait.h polls by it, the prediction counts with it.
Millis next_poll_interval(Millis current);

// When a wait that polls at once and then after `poll`, each interval half as long again as
// the last and at most 60 s (executor/wait.h), first sees something that happens `until`
// after it started. `first_after_poll`: the first read comes one `poll` late (restarts).
Millis poll_until(Millis poll, Millis until, bool first_after_poll = false);

}  // namespace tcplan::planner
