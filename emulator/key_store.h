// The key pairs the emulator accepts: SecretId -> SecretKey (+ an optional session token that
// requests signed with that pair must carry as X-TC-Token). Keys never leave this store: no
// log line or error message names a SecretKey.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tcplan::emulator {

struct KeyPair {
  std::string secret_id;
  std::string secret_key;
  std::string token;  // empty: a long-term key, X-TC-Token is not checked
  // Emulator-clock Unix ms after which the pair is refused (AuthFailure.TokenFailure); 0: never.
  // Set for the temporary credentials the emulator's STS and metadata service issue.
  std::int64_t expires_ms = 0;
};

// Thread-safe: the emulator's STS adds temporary pairs while requests are being verified.
class KeyStore {
 public:
  // Replaces any pair with the same SecretId.
  void add(KeyPair pair);
  // A temporary pair; pairs that expired before `now_ms` are dropped first.
  void add_temporary(KeyPair pair, std::int64_t now_ms);
  std::optional<KeyPair> find(std::string_view secret_id) const;
  std::size_t size() const;

  // A TOML file of [[credentials]] tables with secret_id, secret_key and optional token
  // (docs/emulator.md). Errors name the file and line, never a key.
  static base::Result<KeyStore> load(const std::filesystem::path& file);

 private:
  std::unique_ptr<std::mutex> mu_ = std::make_unique<std::mutex>();
  std::map<std::string, KeyPair, std::less<>> pairs_;
};

}  // namespace tcplan::emulator
