// Small ASCII text helpers shared by the signer, the credentials reader, the redactor and the
// emulator: HTTP header names and INI keys are ASCII, so no locale is involved.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace tcplan::base {

inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Strips the characters in `blanks` from both ends (header values: spaces and tabs only).
inline std::string_view trim(std::string_view s, std::string_view blanks = " \t") {
  auto begin = s.find_first_not_of(blanks);
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(blanks) - begin + 1);
}

}  // namespace tcplan::base
