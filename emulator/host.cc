#include "emulator/host.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include "api/catalog.h"

namespace tcplan::emulator {

HostParts split_host(std::string_view host) {
  while (!host.empty() && (host.front() == ' ' || host.front() == '\t'))
    host.remove_prefix(1);
  while (!host.empty() && (host.back() == ' ' || host.back() == '\t'))
    host.remove_suffix(1);
  HostParts parts;
  std::string_view name = host;
  if (!host.empty() && host.front() == '[') {
    auto close = host.find(']');
    if (close != std::string_view::npos) {
      name = host.substr(0, close + 1);
      if (close + 1 < host.size() && host[close + 1] == ':') parts.port = host.substr(close + 2);
      parts.is_ip = true;
    }
  } else if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
    name = host.substr(0, colon);
    parts.port = host.substr(colon + 1);
  }
  parts.name.assign(name);
  std::transform(parts.name.begin(), parts.name.end(), parts.name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!parts.is_ip) {
    in_addr v4{};
    parts.is_ip = inet_pton(AF_INET, parts.name.c_str(), &v4) == 1;
  }
  return parts;
}

std::string host_service(const HostParts& host) {
  if (host.is_ip) return {};
  std::string label = host.name.substr(0, host.name.find('.'));
  if (api::Catalog::builtin().service(label) == nullptr) return {};
  return label;
}

}  // namespace tcplan::emulator
