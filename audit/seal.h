// Seals: an Ed25519 signature over a chain head, so that truncating the trail or rewriting
// it and recomputing every later hash is detected by whoever trusts the public key. The
// private key lives outside the DB (--audit-key; default "<db>.key", PEM, mode 0600).
//
// Seal format version 2 (what seal() writes). The signed message is the UTF-8 text
//   "tcplan-audit-seal-v2" LF run_id LF counter LF head_seq LF head_hash LF prev_seal_hash LF
// where counter numbers the seals of the trail (1, 2, 3, ...), head_seq is the decimal seq of
// the event just before the seal, head_hash its chain hash (64 lowercase hex), and
// prev_seal_hash the chain hash of the previous `sealed` event (64 "0" for the first). The
// seal event's payload is
//   {"format":"tcplan-audit-seal-v2","algorithm":"Ed25519","counter":N,"head_seq":N,
//    "head_hash":"..","prev_seal_seq":N,"prev_seal_hash":"..","public_key":"<32 bytes hex>",
//    "key_fingerprint":"<first 16 hex of SHA-256(public key)>","signature":"<64 bytes hex>"}
// and the seal event itself is chained like any other. The counter is what a witness
// (witness.h) records outside the trail, so that cutting the trail back to an earlier seal
// is detected: the trail then ends at a lower counter than its witness.
//
// Version 1 seals (no counter, no previous seal; message
//   "tcplan-audit-seal-v1" LF run_id LF head_seq LF head_hash LF) are still verified.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tcplan::audit {

inline constexpr std::string_view kSealFormat = "tcplan-audit-seal-v2";
inline constexpr std::string_view kSealFormatV1 = "tcplan-audit-seal-v1";

// "<db>.key" beside a SQLite trail; for a team store, a file of this operator's in the state
// directory: "$XDG_STATE_HOME/tcplan/<db>@<host>.key" (location.h, side_file).
std::filesystem::path default_key_path(const std::string& location);

// The bytes a version 2 seal signs.
std::string seal_message(std::string_view run_id, std::int64_t counter, std::int64_t head_seq,
                         std::string_view head_hash, std::string_view prev_seal_hash);
// The bytes a version 1 seal signed.
std::string seal_message_v1(std::string_view run_id, std::int64_t head_seq,
                            std::string_view head_hash);

class SealKey {
 public:
  // Loads the PEM private key at `path`, creating it when absent: written whole to a temp
  // file (mode 0600) and published with link(2), which like O_EXCL fails when the name
  // exists. So two first runs racing on a new DB end up with one key: the loser discards
  // its own and loads the winner's (never a half-written file). A key file readable by group
  // or others is refused: that is a leaked key. A missing directory is created (mode 0700).
  static base::Result<SealKey> load_or_create(const std::filesystem::path& path);
  static base::Result<SealKey> load(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return path_; }

  std::string public_key_hex() const { return public_hex_; }
  std::string fingerprint() const;
  // 64-byte Ed25519 signature, hex.
  base::Result<std::string> sign(std::string_view message) const;

 private:
  SealKey(std::shared_ptr<EVP_PKEY> key, std::filesystem::path path);
  std::shared_ptr<EVP_PKEY> key_;
  std::filesystem::path path_;
  std::string public_hex_;
};

std::string key_fingerprint(std::string_view public_key_hex);

// True when `signature_hex` is a valid Ed25519 signature of `message` by `public_key_hex`.
bool verify_signature(std::string_view public_key_hex, std::string_view message,
                      std::string_view signature_hex);

}  // namespace tcplan::audit
