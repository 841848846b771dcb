// Times as the cloud prints them: "YYYY-MM-DD hh:mm:ss" in Beijing time (UTC+8), the zone the
// vendor's examples use, and ISO 8601 UTC for CVM's CreatedTime.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tcplan::emulator::cloud {

std::string beijing_time(std::int64_t unix_ms);
std::string iso_utc(std::int64_t unix_ms);
// Parses "YYYY-MM-DD hh:mm:ss" (Beijing time) to Unix ms.
std::optional<std::int64_t> parse_beijing_time(std::string_view text);
// "12 minutes 5 seconds": RunTime and TimeConsuming are free text in the cloud.
std::string duration_text(std::int64_t ms);

}  // namespace tcplan::emulator::cloud
