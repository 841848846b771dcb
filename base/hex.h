// Hex text for digests, signatures and keys: lowercase on the way out, either case accepted on
// the way in. The signer, the audit chain and the seals all print bytes this way.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tcplan::base {

// Lowercase hex of `bytes` ("\x01\xab" -> "01ab").
std::string to_hex(std::string_view bytes);

// The bytes behind lowercase or uppercase hex digits; nullopt when `hex` is not hex.
std::optional<std::string> from_hex(std::string_view hex);

}  // namespace tcplan::base
