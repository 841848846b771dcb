#include "cli/plan_file.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli/colour.h"
#include "planner/parse.h"

namespace tcplan::cli {
namespace {

// The offset of the first control character TOML does not allow (NUL, ESC, ...: anything
// below 0x20 but tab and line ends, and DEL), or npos. Such a file is binary, and its bytes
// would drive the terminal if a diagnostic quoted its line. Invalid UTF-8 is left to the
// parser, which reports where it is (planner/parse.cc).
std::size_t first_binary_byte(const std::string& s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) return i;
  }
  return std::string::npos;
}

}  // namespace

std::string plan_file_problem(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (!fs::exists(st)) return "no such file";
  if (fs::is_directory(st)) return "is a directory";
  if (!fs::is_regular_file(st)) return "not a regular file";
  std::ifstream in(path, std::ios::binary);
  if (!in) return "permission denied or unreadable";
  // Past the parser's size limit the parser says "too large": only that much is read.
  std::string text(planner::kMaxPlanBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (auto at = first_binary_byte(text); at != std::string::npos)
    return "not a text file (byte " + std::to_string(at) + " is binary); a plan is TOML";
  return {};
}

bool report_plan_file_problem(const std::string& path) {
  const std::string why = plan_file_problem(path);
  if (why.empty()) return false;
  std::fprintf(stderr, "%s: %scannot read the plan: %s\n", path.c_str(),
               error_prefix(stderr).c_str(), why.c_str());
  return true;
}

}  // namespace tcplan::cli
