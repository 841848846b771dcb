// The key pairs the emulator accepts: SecretId -> SecretKey (+ an optional session token that
// requests signed with that pair must carry as X-TC-Token). Keys never leave this store: no
// log line or error message names a SecretKey.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tcplan::emulator {

struct KeyPair {
  std::string secret_id;
  std::string secret_key;
  std::string token;  // empty: a long-term key, X-TC-Token is not checked
};

class KeyStore {
 public:
  // Replaces any pair with the same SecretId.
  void add(KeyPair pair);
  const KeyPair* find(std::string_view secret_id) const;
  std::size_t size() const { return pairs_.size(); }

  // A TOML file of [[credentials]] tables with secret_id, secret_key and optional token
  // (docs/emulator.md). Errors name the file and line, never a key.
  static base::Result<KeyStore> load(const std::filesystem::path& file);

 private:
  std::map<std::string, KeyPair, std::less<>> pairs_;
};

}  // namespace tcplan::emulator
