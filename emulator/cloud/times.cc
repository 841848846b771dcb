#include "emulator/cloud/times.h"

#include <chrono>
#include <cstdio>

#include "base/time.h"

namespace tcplan::emulator::cloud {

namespace {

constexpr std::int64_t kBeijingOffsetMs = 8 * 3600 * 1000;

std::string format(std::int64_t unix_ms, const char* pattern) {
  using namespace std::chrono;
  sys_days day = floor<days>(sys_time<milliseconds>(milliseconds(unix_ms)));
  year_month_day ymd(day);
  auto rest = milliseconds(unix_ms) - duration_cast<milliseconds>(day.time_since_epoch());
  hh_mm_ss<milliseconds> t(rest);
  char buf[40];
  std::snprintf(buf, sizeof buf, pattern, static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(t.hours().count()), static_cast<int>(t.minutes().count()),
                static_cast<int>(t.seconds().count()));
  return buf;
}

}  // namespace

std::string beijing_time(std::int64_t unix_ms) {
  return format(unix_ms + kBeijingOffsetMs, "%04d-%02u-%02u %02d:%02d:%02d");
}

std::string iso_utc(std::int64_t unix_ms) {
  return base::format_utc(base::SysTime{std::chrono::milliseconds(unix_ms)});
}

std::optional<std::int64_t> parse_beijing_time(std::string_view text) {
  int y, mo, d, h, mi, s;
  char tail;
  std::string t(text);
  if (std::sscanf(t.c_str(), "%4d-%2d-%2d %2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &tail) != 6)
    return std::nullopt;
  using namespace std::chrono;
  year_month_day ymd{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) return std::nullopt;
  std::int64_t days_ms = duration_cast<milliseconds>(sys_days(ymd).time_since_epoch()).count();
  return days_ms + ((h * 60 + mi) * 60 + s) * 1000LL - kBeijingOffsetMs;
}

std::string duration_text(std::int64_t ms) {
  std::int64_t s = ms / 1000;
  std::int64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;
  std::string out;
  if (d) out += std::to_string(d) + " days ";
  if (d || h) out += std::to_string(h) + " hours ";
  if (d || h || m) out += std::to_string(m) + " minutes ";
  out += std::to_string(sec) + " seconds";
  return out;
}

}  // namespace tcplan::emulator::cloud
