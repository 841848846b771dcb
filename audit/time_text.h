// UTC timestamps as text for exports, reports and --since/--until.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tcplan::audit {

// "2024-05-01T12:00:00.123Z"
std::string format_time_ms(std::int64_t ms);

// Accepts "2024-05-01", "2024-05-01T12:00:00Z", "2024-05-01T12:00:00.123Z" (UTC), or a
// number of milliseconds since the epoch.
std::optional<std::int64_t> parse_time_ms(std::string_view text);

}  // namespace tcplan::audit
