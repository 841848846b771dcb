#include "emulator/key_store.h"

#include <toml++/toml.h>

namespace tcplan::emulator {

void KeyStore::add(KeyPair pair) {
  std::lock_guard lock(*mu_);
  std::string id = pair.secret_id;
  pairs_.insert_or_assign(std::move(id), std::move(pair));
}

void KeyStore::add_temporary(KeyPair pair, std::int64_t now_ms) {
  std::lock_guard lock(*mu_);
  std::erase_if(pairs_, [&](const auto& kv) {
    return kv.second.expires_ms != 0 && kv.second.expires_ms < now_ms;
  });
  std::string id = pair.secret_id;
  pairs_.insert_or_assign(std::move(id), std::move(pair));
}

std::optional<KeyPair> KeyStore::find(std::string_view secret_id) const {
  std::lock_guard lock(*mu_);
  auto it = pairs_.find(secret_id);
  if (it == pairs_.end()) return std::nullopt;
  return it->second;
}

std::size_t KeyStore::size() const {
  std::lock_guard lock(*mu_);
  return pairs_.size();
}

base::Result<KeyStore> KeyStore::load(const std::filesystem::path& file) {
  toml::table doc;
  try {
    doc = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    return base::Error{file.string() + ":" + std::to_string(e.source().begin.line) + ": " +
                       std::string(e.description())};
  }
  KeyStore store;
  const toml::array* list = doc["credentials"].as_array();
  if (list == nullptr) return base::Error{file.string() + ": expected [[credentials]] tables"};
  for (const auto& node : *list) {
    const toml::table* t = node.as_table();
    const std::string where = file.string() + ":" + std::to_string(node.source().begin.line) + ": ";
    if (t == nullptr) return base::Error{where + "each credentials entry must be a table"};
    for (const auto& [key, value] : *t) {
      if (key != "secret_id" && key != "secret_key" && key != "token")
        return base::Error{where + "unknown key '" + std::string(key.str()) + "'"};
    }
    auto id = (*t)["secret_id"].value<std::string>();
    auto secret = (*t)["secret_key"].value<std::string>();
    if (!id || id->empty()) return base::Error{where + "secret_id is required"};
    if (!secret || secret->empty()) return base::Error{where + "secret_key is required"};
    store.add(KeyPair{*id, *secret, (*t)["token"].value_or(std::string())});
  }
  return store;
}

}  // namespace tcplan::emulator
