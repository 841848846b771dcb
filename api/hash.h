// SHA-256, HMAC-SHA256/SHA1 and base64 over OpenSSL, shared by the signer, the
// emulator's signature checks and the audit hash chain.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tcplan::api {

using Digest256 = std::array<unsigned char, 32>;

Digest256 sha256(std::string_view data);
std::string sha256_hex(std::string_view data);

// Raw MAC bytes as a std::string (binary, not text): TC3 chains them as keys.
std::string hmac_sha256(std::string_view key, std::string_view message);
std::string hmac_sha1(std::string_view key, std::string_view message);

// Lowercase hex of a digest (bytes in general: base/hex.h).
std::string to_hex(const Digest256& digest);
std::string base64_encode(std::string_view bytes);

// Compares two secrets in time independent of where they differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace tcplan::api
