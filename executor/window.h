// The change window: nothing starts outside it, and a step whose timeout would carry it past
// the window's end does not start. The clock is passed in, so `--now` can pin it for rehearsals.
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

// `window` absent means "no window": always open.
WindowVerdict check_window(const std::optional<ChangeWindow>& window, SysTime now,
                           std::chrono::milliseconds step_timeout);

// "the change window opens at 2026-11-24T01:00:00Z (in 3h12m)" and so on, for refusals.
std::string describe(WindowVerdict verdict, const ChangeWindow& window, SysTime now,
                     std::chrono::milliseconds step_timeout);

}  // namespace tcplan::executor
