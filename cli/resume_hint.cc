#include "cli/resume_hint.h"

#include <cstdio>
#include <filesystem>
#include <sstream>
#include <vector>

#include "cli/colour.h"

namespace tcplan::cli {
namespace {

std::string shell_quoted(const std::string& word) {
  if (!word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789-_./:=@+,%") == std::string::npos)
    return word;
  std::string out = "'";
  for (char c : word)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string absolute_path(const std::string& path) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

}  // namespace

std::string resume_command(const std::string& plan, const std::string& run_id,
                           const GlobalOptions& global, const std::string& audit_key) {
  const GlobalOptions defaults;
  std::vector<std::string> words{"tcplan", "apply", plan, "--resume", run_id};
  auto add = [&words](const char* flag, const std::string& value) {
    words.push_back(flag);
    words.push_back(value);
  };
  if (global.target != defaults.target) add("--target", global.target);
  if (!global.endpoint.empty()) add("--endpoint", global.endpoint);
  if (!global.region.empty()) add("--region", global.region);
  if (global.profile != defaults.profile) add("--profile", global.profile);
  if (!global.audit_db.empty()) add("--audit-db", absolute_path(global.audit_db));
  if (!global.audit_witness.empty()) add("--audit-witness", absolute_path(global.audit_witness));
  if (!audit_key.empty()) add("--audit-key", absolute_path(audit_key));
  if (global.time_scale > 0) {
    std::ostringstream scale;
    scale << global.time_scale;
    add("--time-scale", scale.str());
  }
  if (!global.emulator_faults.empty())
    add("--emulator-faults", absolute_path(global.emulator_faults));
  std::string out;
  for (const auto& w : words)
    out += (out.empty() ? "" : " ") + shell_quoted(w);
  return out;
}

bool report_no_trail_to_resume(const std::string& db) {
  std::error_code ec;
  if (std::filesystem::exists(db, ec)) return false;
  std::fprintf(stderr,
               "%sno audit DB at %s: --resume needs the trail of the run (its --audit-db)\n",
               error_prefix(stderr).c_str(), db.c_str());
  return true;
}

}  // namespace tcplan::cli
