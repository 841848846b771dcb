// An HTTP request as the emulator's front sees it, independent of the server library, so that
// signature checks and routing can be tested without a socket.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tcplan::emulator {

struct HttpRequest {
  std::string method;  // "POST", "GET", ... as sent
  std::string target;  // "/?Limit=10" : path plus raw query string
  // Header names lower-cased; values exactly as received (the signature is computed over
  // their trimmed, lower-cased form).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first header with this lower-case name, or nullptr.
  const std::string* header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers) {
      if (name == lower_name) return &value;
    }
    return nullptr;
  }
  std::string_view path() const {
    std::string_view t = target;
    return t.substr(0, t.find('?'));
  }
  std::string_view query() const {
    std::string_view t = target;
    auto q = t.find('?');
    return q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
  }
};

}  // namespace tcplan::emulator
