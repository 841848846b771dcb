#include "emulator/cloud/times.h"

#include <chrono>

#include "base/time.h"

namespace tcplan::emulator::cloud {

namespace {

constexpr std::int64_t kBeijingOffsetMs = 8 * 3600 * 1000;

}  // namespace

// The cloud's "YYYY-MM-DD hh:mm:ss" is base's RFC 3339 text of the instant shifted to UTC+8,
// with a space for the "T" and no zone: one formatter for every time tcplan writes.
std::string beijing_time(std::int64_t unix_ms) {
  std::string text =
      base::format_utc(base::SysTime{std::chrono::milliseconds(unix_ms + kBeijingOffsetMs)});
  text[10] = ' ';
  text.pop_back();  // "Z"
  return text;
}

std::string iso_utc(std::int64_t unix_ms) {
  return base::format_utc(base::SysTime{std::chrono::milliseconds(unix_ms)});
}

std::optional<std::int64_t> parse_beijing_time(std::string_view text) {
  // Exactly "YYYY-MM-DD hh:mm:ss"; base parses it as RFC 3339 at +08:00.
  if (text.size() != 19 || text[10] != ' ') return std::nullopt;
  std::string rfc3339(text);
  rfc3339[10] = 'T';
  auto t = base::parse_rfc3339(rfc3339 + "+08:00");
  if (!t) return std::nullopt;
  return base::to_epoch_ms(*t);
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
