#include "executor/window.h"

#include <cstdio>
#include <ctime>

namespace tcplan::executor {

WindowVerdict check_window(const std::optional<ChangeWindow>& window, SysTime now,
                           std::chrono::milliseconds step_timeout) {
  if (!window) return WindowVerdict::kOpen;
  if (now < window->start) return WindowVerdict::kNotYetOpen;
  if (now >= window->end) return WindowVerdict::kClosed;
  if (now + step_timeout > window->end) return WindowVerdict::kWouldOverrun;
  return WindowVerdict::kOpen;
}

namespace {
std::string human_duration(std::chrono::milliseconds d) {
  auto total = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (total < 0) total = -total;
  long long h = total / 3600, m = (total % 3600) / 60, s = total % 60;
  std::string out;
  if (h) out += std::to_string(h) + "h";
  if (m) out += std::to_string(m) + "m";
  if (s || out.empty()) out += std::to_string(s) + "s";
  return out;
}
}  // namespace

std::string format_utc(SysTime t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string describe(WindowVerdict verdict, const ChangeWindow& window, SysTime now,
                     std::chrono::milliseconds step_timeout) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  switch (verdict) {
    case WindowVerdict::kOpen:
      return "inside the change window (closes " + format_utc(window.end) + ")";
    case WindowVerdict::kNotYetOpen:
      return "the change window opens at " + format_utc(window.start) + " (in " +
             human_duration(duration_cast<milliseconds>(window.start - now)) + ")";
    case WindowVerdict::kClosed:
      return "the change window closed at " + format_utc(window.end) + " (" +
             human_duration(duration_cast<milliseconds>(now - window.end)) + " ago)";
    case WindowVerdict::kWouldOverrun:
      return "the step's timeout of " + human_duration(step_timeout) +
             " would run past the window's end at " + format_utc(window.end) + " (" +
             human_duration(duration_cast<milliseconds>(window.end - now)) + " left)";
  }
  return {};
}

std::optional<SysTime> parse_time(const std::string& text) {
  int y, mo, d, h, mi, s;
  char rest[16] = {0};
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%15s", &y, &mo, &d, &h, &mi, &s, rest) <
      6) {
    return std::nullopt;
  }
  std::string tz = rest;
  // Fractional seconds are accepted and ignored: the window works in seconds.
  if (!tz.empty() && tz[0] == '.') {
    auto end = tz.find_first_not_of("0123456789", 1);
    tz = end == std::string::npos ? "" : tz.substr(end);
  }
  long offset_seconds = 0;
  if (tz == "Z" || tz == "z") {
    offset_seconds = 0;
  } else if (tz.size() == 6 && (tz[0] == '+' || tz[0] == '-') && tz[3] == ':') {
    int oh = std::stoi(tz.substr(1, 2)), om = std::stoi(tz.substr(4, 2));
    offset_seconds = (oh * 3600L + om * 60L) * (tz[0] == '-' ? -1 : 1);
  } else {
    return std::nullopt;  // a time without a zone is ambiguous in a change window
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  std::time_t t = timegm(&tm);
  return std::chrono::system_clock::from_time_t(t - offset_seconds);
}

}  // namespace tcplan::executor
