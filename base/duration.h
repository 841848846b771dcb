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

// How long something takes or took, for people (tables, summaries, progress lines, window
// verdicts): "0.4s", "10.2s" under a minute (tenths), "4m5s" under an hour, "1h12m" under two
// days (whole minutes), "6d3h" beyond (whole hours). Rounded down to the unit shown;
// `round_up` rounds up instead, for what something needs (a prediction is never shown short).
std::string format_elapsed(Millis d, bool round_up = false);

}  // namespace tcplan::base
