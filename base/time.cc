// Time formatting and parsing (see time.h). Civil-date arithmetic is std::chrono's, so no
// call depends on the process's time zone.
#include "base/time.h"

#include <cctype>
#include <cstdio>
#include <string>

namespace tcplan::base {
namespace {

using namespace std::chrono;

struct Civil {
  year_month_day ymd;
  hh_mm_ss<milliseconds> hms;
};

Civil civil(sys_time<milliseconds> t) {
  auto day = floor<days>(t);
  return Civil{year_month_day{day}, hh_mm_ss<milliseconds>{t - day}};
}

}  // namespace

std::int64_t to_epoch_ms(SysTime t) {
  return duration_cast<milliseconds>(t.time_since_epoch()).count();
}

std::string format_utc(SysTime t) {
  auto c = civil(floor<seconds>(floor<milliseconds>(t)));
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ldZ", int(c.ymd.year()),
                unsigned(c.ymd.month()), unsigned(c.ymd.day()), long(c.hms.hours().count()),
                long(c.hms.minutes().count()), long(c.hms.seconds().count()));
  return buf;
}

std::string format_utc_ms(std::int64_t ms) {
  auto c = civil(sys_time<milliseconds>{milliseconds(ms)});
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ld.%03ldZ", int(c.ymd.year()),
                unsigned(c.ymd.month()), unsigned(c.ymd.day()), long(c.hms.hours().count()),
                long(c.hms.minutes().count()), long(c.hms.seconds().count()),
                long(c.hms.subseconds().count()));
  return buf;
}

std::string format_utc_compact(SysTime t) {
  auto c = civil(floor<seconds>(floor<milliseconds>(t)));
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02ld%02ld%02ldZ", int(c.ymd.year()),
                unsigned(c.ymd.month()), unsigned(c.ymd.day()), long(c.hms.hours().count()),
                long(c.hms.minutes().count()), long(c.hms.seconds().count()));
  return buf;
}

std::optional<std::int64_t> parse_utc_ms(std::string_view text) {
  std::string s(text);
  if (!s.empty() && s.size() <= 15 && s.find_first_not_of("0123456789") == std::string::npos) {
    return std::stoll(s);
  }
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, milli = 0, used = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3 || used != 10) {
    return std::nullopt;
  }
  if (s.size() > 10) {
    int n = 0;
    if (std::sscanf(s.c_str() + 10, "T%2d:%2d:%2d%n", &h, &mi, &sec, &n) != 3) return std::nullopt;
    size_t pos = 10 + static_cast<size_t>(n);
    if (pos < s.size() && s[pos] == '.') {
      int m = 0;
      if (std::sscanf(s.c_str() + pos, ".%3d%n", &milli, &m) != 1) return std::nullopt;
      pos += static_cast<size_t>(m);
    }
    if (pos != s.size() - 1 || s[pos] != 'Z') return std::nullopt;
  }
  year_month_day ymd{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  auto t = sys_days(ymd) + hours(h) + minutes(mi) + seconds(sec) + milliseconds(milli);
  return duration_cast<milliseconds>(t.time_since_epoch()).count();
}

std::optional<SysTime> parse_rfc3339(std::string_view text) {
  std::string s(text);
  int y, mo, d, h, mi, sec;
  char rest[16] = {0};
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%15s", &y, &mo, &d, &h, &mi, &sec, rest) < 6) {
    return std::nullopt;
  }
  std::string tz = rest;
  if (!tz.empty() && tz[0] == '.') {
    auto end = tz.find_first_not_of("0123456789", 1);
    tz = end == std::string::npos ? "" : tz.substr(end);
  }
  long offset_seconds = 0;
  if (tz == "Z" || tz == "z") {
    offset_seconds = 0;
  } else if (tz.size() == 6 && (tz[0] == '+' || tz[0] == '-') && tz[3] == ':' &&
             std::isdigit(static_cast<unsigned char>(tz[1])) &&
             std::isdigit(static_cast<unsigned char>(tz[2])) &&
             std::isdigit(static_cast<unsigned char>(tz[4])) &&
             std::isdigit(static_cast<unsigned char>(tz[5]))) {
    int oh = (tz[1] - '0') * 10 + (tz[2] - '0'), om = (tz[4] - '0') * 10 + (tz[5] - '0');
    if (oh > 23 || om > 59) return std::nullopt;
    offset_seconds = (oh * 3600L + om * 60L) * (tz[0] == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  year_month_day ymd{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60) {
    return std::nullopt;
  }
  auto t = sys_days(ymd) + hours(h) + minutes(mi) + seconds(sec) - seconds(offset_seconds);
  return time_point_cast<SysTime::duration>(t);
}

}  // namespace tcplan::base
