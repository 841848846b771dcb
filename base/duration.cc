// Duration parsing and formatting.
#include "base/duration.h"

#include <algorithm>
#include <cstdint>

namespace tcplan::base {

namespace {
constexpr std::int64_t kMaxHours = 1'000'000'000;  // no plan waits 114,000 years
}  // namespace

std::optional<Millis> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  int last_rank = 4;  // units must come in decreasing order: h(3) m(2) s(1) ms(0)
  std::size_t i = 0;
  while (i < text.size()) {
    std::int64_t n = 0;
    const std::size_t digits_start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      n = n * 10 + (text[i] - '0');
      if (n > 1'000'000'000) return std::nullopt;  // no plan waits 30 years
      ++i;
    }
    if (i == digits_start) return std::nullopt;
    int rank = -1;
    std::int64_t unit = 0;
    if (text.substr(i, 2) == "ms") {
      rank = 0, unit = 1, i += 2;
    } else if (i < text.size() && text[i] == 's') {
      rank = 1, unit = 1000, ++i;
    } else if (i < text.size() && text[i] == 'm') {
      rank = 2, unit = 60'000, ++i;
    } else if (i < text.size() && text[i] == 'h') {
      rank = 3, unit = 3'600'000, ++i;
    } else {
      return std::nullopt;
    }
    if (rank >= last_rank) return std::nullopt;
    last_rank = rank;
    total += n * unit;
  }
  // Parts may add up past 10^9 hours ("999999999h999999999m"), which format_duration would
  // spell with more than 10^9 hours: text this function refuses. Refuse the sum instead, so
  // every duration it returns can be written back and read again.
  if (total > kMaxHours * 3'600'000) return std::nullopt;
  return Millis(total);
}

std::string format_duration(Millis d) {
  std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  const struct {
    std::int64_t size;
    const char* unit;
  } parts[] = {{3'600'000, "h"}, {60'000, "m"}, {1000, "s"}, {1, "ms"}};
  for (const auto& p : parts) {
    if (ms >= p.size) {
      out += std::to_string(ms / p.size) + p.unit;
      ms %= p.size;
    }
  }
  return out;
}

std::string format_elapsed(Millis d, bool round_up) {
  const std::int64_t ms = std::max<std::int64_t>(d.count(), 0);
  // Whole units of the unit shown; rounding up can carry into the next, larger unit.
  auto whole = [&](std::int64_t unit) { return (round_up ? ms + unit - 1 : ms) / unit; };
  if (const std::int64_t t = whole(100); t < 600) {
    return std::to_string(t / 10) + "." + std::to_string(t % 10) + "s";
  }
  if (const std::int64_t s = whole(1000); s < 3600) {
    return std::to_string(s / 60) + "m" + std::to_string(s % 60) + "s";
  }
  if (const std::int64_t m = whole(60'000); m < 48 * 60) {
    return std::to_string(m / 60) + "h" + std::to_string(m % 60) + "m";
  }
  const std::int64_t h = whole(3'600'000);
  return std::to_string(h / 24) + "d" + std::to_string(h % 24) + "h";
}

}  // namespace tcplan::base
