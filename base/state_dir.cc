#include "base/state_dir.h"

#include <cstdlib>

namespace tcplan::base {

namespace fs = std::filesystem;

std::string state_dir(const std::map<std::string, std::string>& env) {
  auto get = [&env](const char* name) {
    auto it = env.find(name);
    return it == env.end() ? std::string() : it->second;
  };
  std::string base = get("XDG_STATE_HOME");
  if (base.empty() || base[0] != '/') {
    std::string home = get("HOME");
    if (home.empty()) return {};
    base = (fs::path(home) / ".local" / "state").string();
  }
  return (fs::path(base) / "tcplan").string();
}

std::map<std::string, std::string> state_environment() {
  std::map<std::string, std::string> env;
  for (const char* name : {"XDG_STATE_HOME", "HOME"}) {
    if (const char* v = std::getenv(name)) env[name] = v;
  }
  return env;
}

Status<Error> make_state_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error{"cannot create the state directory " + dir.string() + ": " + ec.message()};
  // Not fatal: a directory someone else set up keeps its mode (a key file readable by others
  // is refused on its own: audit/seal.h).
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  return {};
}

}  // namespace tcplan::base
