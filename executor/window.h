// The change window: nothing starts outside it, and a step whose timeout would carry it past
// the window's end does not start. The clock is passed in, so `--now` can pin it for rehearsals.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace tcplan::executor {

using SysTime = std::chrono::system_clock::time_point;

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

// ISO 8601 UTC with seconds: 2026-11-24T01:00:00Z.
std::string format_utc(SysTime t);

// Parses --now: RFC 3339 / ISO 8601 with Z or an offset ("2026-11-24T02:00:00+08:00").
std::optional<SysTime> parse_time(const std::string& text);

}  // namespace tcplan::executor
