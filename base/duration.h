// Plan durations: "500ms", "45s", "30m", "2h", "1h30m". One or more <integer><unit> parts,
// units ms, s, m, h, each at most once and in decreasing order.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace tcplan::base {

using Millis = std::chrono::milliseconds;

// The duration, or nullopt when `text` is not one (the caller reports where).
std::optional<Millis> parse_duration(std::string_view text);

// The shortest spelling parse_duration accepts: 5400000 ms -> "1h30m".
std::string format_duration(Millis d);

// How long something took, for people (tables, summaries, progress lines): "0.4s", "10.2s"
// under a minute (tenths, rounded down), "4m5s" under an hour, "1h12m" beyond (whole minutes).
std::string format_elapsed(Millis d);

}  // namespace tcplan::base
