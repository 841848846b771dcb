// The change window, step by step: nothing starts outside it, and a step that should take
// longer than the window has left (its predicted duration, planner/predict.h, or its timeout
// without one) does not start. A backstop: apply already refuses to start a plan whose
// predicted makespan does not fit (planner/window_fit.h), so this only bites when a run is
// slower than predicted. The clock is passed in, so `--now` can pin it for rehearsals.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "base/time.h"

namespace tcplan::executor {

using SysTime = base::SysTime;

struct ChangeWindow {
  SysTime start;
  SysTime end;
};

enum class WindowVerdict { kOpen, kNotYetOpen, kClosed, kWouldOverrun };

// `window` absent means "no window": always open. `expected`: how long the step should take.
WindowVerdict check_window(const std::optional<ChangeWindow>& window, SysTime now,
                           std::chrono::milliseconds expected);

// "the change window opens at 2026-11-24T01:00:00Z (in 3h12m)" and so on, for refusals.
std::string describe(WindowVerdict verdict, const ChangeWindow& window, SysTime now,
                     std::chrono::milliseconds expected);

}  // namespace tcplan::executor
