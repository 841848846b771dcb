// Lowercase hex decoding for the audit folder (encoding lives in api/hash.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tcplan::audit {

// The bytes behind lowercase or uppercase hex digits; nullopt when `hex` is not hex.
std::optional<std::string> from_hex(std::string_view hex);

}  // namespace tcplan::audit
