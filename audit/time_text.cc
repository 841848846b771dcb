// UTC timestamp formatting and parsing (see time_text.h).
#include "audit/time_text.h"

#include <chrono>
#include <cstdio>

namespace tcplan::audit {

std::string format_time_ms(std::int64_t ms) {
  using namespace std::chrono;
  sys_time<milliseconds> t{milliseconds(ms)};
  auto day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss<milliseconds> hms{t - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ld.%03ldZ", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), long(hms.hours().count()),
                long(hms.minutes().count()), long(hms.seconds().count()),
                long(hms.subseconds().count()));
  return buf;
}

std::optional<std::int64_t> parse_time_ms(std::string_view text) {
  using namespace std::chrono;
  std::string s(text);
  if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos) {
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

}  // namespace tcplan::audit
