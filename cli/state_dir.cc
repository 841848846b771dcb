#include "cli/state_dir.h"

#include <cstdlib>
#include <filesystem>

namespace tcplan::cli {

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

std::string default_audit_db(const std::map<std::string, std::string>& env) {
  if (auto it = env.find("TCPLAN_AUDIT_DB"); it != env.end() && !it->second.empty())
    return it->second;
  std::string dir = state_dir(env);
  // No HOME and no XDG_STATE_HOME (a bare service account): the working directory, as before.
  return dir.empty() ? std::string("tcplan-audit.db") : (fs::path(dir) / "audit.db").string();
}

std::map<std::string, std::string> state_environment() {
  std::map<std::string, std::string> env;
  for (const char* name : {"XDG_STATE_HOME", "HOME", "TCPLAN_AUDIT_DB"}) {
    if (const char* v = std::getenv(name)) env[name] = v;
  }
  return env;
}

base::VoidResult ensure_state_dir(const std::string& db) {
  const std::string dir = state_dir(state_environment());
  if (dir.empty() || fs::path(db).parent_path() != fs::path(dir)) return {};
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return base::Error{"cannot create the state directory " + dir + ": " + ec.message()};
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  return {};
}

}  // namespace tcplan::cli
