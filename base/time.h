// The one place that turns instants into text and back: ISO 8601 / RFC 3339 in UTC for the
// trail, exports, reports, logs and refusals, and the offsets operators type for --now.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tcplan::base {

using SysTime = std::chrono::system_clock::time_point;

// "2026-11-24T01:00:00Z" (whole seconds; what people read in refusals and previews).
std::string format_utc(SysTime t);

// "2026-11-24T01:00:00.123Z" from milliseconds since the epoch (events, logs, exports).
std::string format_utc_ms(std::int64_t ms);

// "20261124T010000Z": sortable and safe in file names and run ids.
std::string format_utc_compact(SysTime t);

// Accepts "2024-05-01", "2024-05-01T12:00:00Z", "2024-05-01T12:00:00.123Z" (UTC), or a
// number of milliseconds since the epoch (--since/--until of the audit commands).
std::optional<std::int64_t> parse_utc_ms(std::string_view text);

// RFC 3339 with Z or an offset ("2026-11-24T02:00:00+08:00"); fractional seconds are
// ignored. A time without a zone is refused: in a change window it would be ambiguous.
std::optional<SysTime> parse_rfc3339(std::string_view text);

// Milliseconds since the epoch.
std::int64_t to_epoch_ms(SysTime t);

}  // namespace tcplan::base
