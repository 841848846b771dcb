#include "executor/window.h"

#include "base/duration.h"

namespace tcplan::executor {

WindowVerdict check_window(const std::optional<ChangeWindow>& window, SysTime now,
                           std::chrono::milliseconds expected) {
  if (!window) return WindowVerdict::kOpen;
  if (now < window->start) return WindowVerdict::kNotYetOpen;
  if (now >= window->end) return WindowVerdict::kClosed;
  if (now + expected > window->end) return WindowVerdict::kWouldOverrun;
  return WindowVerdict::kOpen;
}

namespace {
// Whole seconds: a refusal that says "1h12m5.250s" reads worse than "1h12m5s".
std::string human_duration(std::chrono::milliseconds d) {
  if (d.count() < 0) d = -d;
  return base::format_duration(std::chrono::duration_cast<std::chrono::seconds>(d));
}
}  // namespace

std::string describe(WindowVerdict verdict, const ChangeWindow& window, SysTime now,
                     std::chrono::milliseconds expected) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  switch (verdict) {
    case WindowVerdict::kOpen:
      return "inside the change window (closes " + base::format_utc(window.end) + ")";
    case WindowVerdict::kNotYetOpen:
      return "the change window opens at " + base::format_utc(window.start) + " (in " +
             human_duration(duration_cast<milliseconds>(window.start - now)) + ")";
    case WindowVerdict::kClosed:
      return "the change window closed at " + base::format_utc(window.end) + " (" +
             human_duration(duration_cast<milliseconds>(now - window.end)) + " ago)";
    case WindowVerdict::kWouldOverrun:
      return "the step should take " + human_duration(expected) +
             " and would run past the window's end at " + base::format_utc(window.end) + " (" +
             human_duration(duration_cast<milliseconds>(window.end - now)) + " left)";
  }
  return {};
}

}  // namespace tcplan::executor
