// The window-fit verdict (window_fit.h).
#include "planner/window_fit.h"

#include "base/duration.h"

namespace tcplan::planner {

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
    f.text = "no change window; the plan needs " + base::format_elapsed(needed, true);
    return f;
  }
  const auto at = std::chrono::time_point_cast<Millis>(now);
  if (at >= window->end) {
    f.verdict = FitVerdict::kClosed;
    f.fits = false;
    f.closed_ago = std::chrono::duration_cast<Millis>(at - window->end);
    f.text = "window closed " + base::format_elapsed(f.closed_ago) + " ago (" +
             base::format_utc(base::SysTime(window->end)) + ")";
    return f;
  }
  const bool open = at >= window->start;
  f.left = std::chrono::duration_cast<Millis>(window->end - (open ? at : window->start));
  f.fits = needed <= f.left;
  const std::string need = base::format_elapsed(needed, true), left = base::format_elapsed(f.left);
  const std::string spare = base::format_elapsed(f.left - needed);
  if (!open) {
    f.verdict = FitVerdict::kNotYetOpen;
    f.opens_in = std::chrono::duration_cast<Millis>(window->start - at);
    f.text = "window opens in " + base::format_elapsed(f.opens_in, true) + " (" +
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
