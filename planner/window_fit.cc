// The window-fit verdict (window_fit.h).
#include "planner/window_fit.h"

#include <cstdio>

namespace tcplan::planner {

namespace {

using namespace std::chrono_literals;

Millis ceil_to(Millis d, Millis unit) {
  return (d + unit - Millis{1}) / unit * unit;
}

}  // namespace

std::string short_duration(Millis d, bool round_up) {
  if (d < 0ms) d = -d;
  char buf[48];
  auto whole = [&](Millis unit) { return round_up ? ceil_to(d, unit) / unit : d / unit; };
  if (d >= 48h) {
    std::snprintf(buf, sizeof buf, "%lldd", static_cast<long long>(whole(24h)));
  } else if (d >= 1h) {
    const long long m = whole(1min);
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", m / 60, m % 60);
  } else if (d >= 1min) {
    std::snprintf(buf, sizeof buf, "%lldm", static_cast<long long>(whole(1min)));
  } else {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(whole(1s)));
  }
  return buf;
}

const char* to_string(FitVerdict v) {
  switch (v) {
    case FitVerdict::kNoWindow:
      return "no_window";
    case FitVerdict::kNotYetOpen:
      return "not_yet_open";
    case FitVerdict::kFits:
      return "fits";
    case FitVerdict::kWillNotFit:
      return "will_not_fit";
    case FitVerdict::kClosed:
      return "closed";
  }
  return "?";
}

WindowFit fit_window(const std::optional<Window>& window, base::SysTime now, Millis needed) {
  WindowFit f;
  f.needed = needed;
  if (!window) {
    f.text = "no change window; the plan needs " + short_duration(needed, true);
    return f;
  }
  const auto at = std::chrono::time_point_cast<Millis>(now);
  if (at >= window->end) {
    f.verdict = FitVerdict::kClosed;
    f.fits = false;
    f.closed_ago = std::chrono::duration_cast<Millis>(at - window->end);
    f.text = "window closed " + short_duration(f.closed_ago) + " ago (" +
             base::format_utc(base::SysTime(window->end)) + ")";
    return f;
  }
  const bool open = at >= window->start;
  f.left = std::chrono::duration_cast<Millis>(window->end - (open ? at : window->start));
  f.fits = needed <= f.left;
  const std::string need = short_duration(needed, true), left = short_duration(f.left);
  const std::string spare = short_duration(f.left - needed);
  if (!open) {
    f.verdict = FitVerdict::kNotYetOpen;
    f.opens_in = std::chrono::duration_cast<Millis>(window->start - at);
    f.text = "window opens in " + short_duration(f.opens_in, true) + " (" +
             base::format_utc(base::SysTime(window->start)) + "); " +
             (f.fits ? "the plan fits in it with " + spare + " to spare"
                     : "the plan will not fit in it: needs " + need + ", the window is " + left);
    return f;
  }
  f.verdict = f.fits ? FitVerdict::kFits : FitVerdict::kWillNotFit;
  f.text = f.fits ? "fits with " + spare + " to spare (needs " + need + ", " + left + " left)"
                  : "will not fit: needs " + need + ", " + left + " left (the window closes " +
                        base::format_utc(base::SysTime(window->end)) + ")";
  return f;
}

}  // namespace tcplan::planner
