#include "cli/plan_file.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "cli/colour.h"

namespace tcplan::cli {
namespace {

// The offset of the first byte that is not UTF-8 text (NUL counts as binary), or npos.
std::size_t first_binary_byte(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    // TOML allows no control characters but tab and line ends: anything else (NUL, ESC, ...)
    // is binary, and would drive the terminal if printed in a diagnostic.
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) return i;
    std::size_t len = c < 0x80           ? 1
                      : (c >> 5) == 0x6  ? 2
                      : (c >> 4) == 0xe  ? 3
                      : (c >> 3) == 0x1e ? 4
                                         : 0;
    if (len == 0 || i + len > s.size()) return i;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return i;
    }
    i += len;
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
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
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
