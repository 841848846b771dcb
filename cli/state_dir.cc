#include "cli/state_dir.h"

#include <cstdlib>
#include <filesystem>

#include "base/state_dir.h"

namespace tcplan::cli {

namespace fs = std::filesystem;

std::string default_audit_db(const std::map<std::string, std::string>& env) {
  if (auto it = env.find("TCPLAN_AUDIT_DB"); it != env.end() && !it->second.empty())
    return it->second;
  std::string dir = base::state_dir(env);
  // No HOME and no XDG_STATE_HOME (a bare service account): the working directory, as before.
  return dir.empty() ? std::string("tcplan-audit.db") : (fs::path(dir) / "audit.db").string();
}

std::map<std::string, std::string> state_environment() {
  std::map<std::string, std::string> env = base::state_environment();
  if (const char* v = std::getenv("TCPLAN_AUDIT_DB")) env["TCPLAN_AUDIT_DB"] = v;
  return env;
}

base::VoidResult ensure_state_dir(const std::string& db) {
  const std::string dir = base::state_dir(base::state_environment());
  if (dir.empty() || fs::path(db).parent_path() != fs::path(dir)) return {};
  return base::make_state_dir(dir);
}

}  // namespace tcplan::cli
