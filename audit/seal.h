// Seals: an Ed25519 signature over a chain head, so that truncating the trail or rewriting
// it and recomputing every later hash is detected by whoever trusts the public key. The
// private key lives outside the DB (--audit-key; default "<db>.key", PEM, mode 0600).
//
// Seal format version 1. The signed message is the UTF-8 text
//   "tcplan-audit-seal-v1" LF run_id LF head_seq LF head_hash LF
// where head_seq is the decimal seq of the event just before the seal and head_hash its
// chain hash (64 lowercase hex). The seal event's payload is
//   {"format":"tcplan-audit-seal-v1","algorithm":"Ed25519","head_seq":N,"head_hash":"..",
//    "public_key":"<32 bytes hex>","key_fingerprint":"<first 16 hex of SHA-256(public key)>",
//    "signature":"<64 bytes hex>"}
// and the seal event itself is chained like any other.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tcplan::audit {

inline constexpr std::string_view kSealFormat = "tcplan-audit-seal-v1";

std::filesystem::path default_key_path(const std::filesystem::path& db_path);

std::string seal_message(std::string_view run_id, std::int64_t head_seq,
                         std::string_view head_hash);

class SealKey {
 public:
  // Loads the PEM private key at `path`, creating it (mode 0600, temp + rename) when absent.
  // A key file readable by group or others is refused: that is a leaked key.
  static base::Result<SealKey> load_or_create(const std::filesystem::path& path);
  static base::Result<SealKey> load(const std::filesystem::path& path);

  std::string public_key_hex() const { return public_hex_; }
  std::string fingerprint() const;
  // 64-byte Ed25519 signature, hex.
  base::Result<std::string> sign(std::string_view message) const;

 private:
  explicit SealKey(std::shared_ptr<EVP_PKEY> key);
  std::shared_ptr<EVP_PKEY> key_;
  std::string public_hex_;
};

std::string key_fingerprint(std::string_view public_key_hex);

// True when `signature_hex` is a valid Ed25519 signature of `message` by `public_key_hex`.
bool verify_signature(std::string_view public_key_hex, std::string_view message,
                      std::string_view signature_hex);

}  // namespace tcplan::audit
