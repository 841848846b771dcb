// What the Host header says: the name (or IP literal) and port. One port serves EMR, CVM and
// ECM, so "emr.tencentcloudapi.com:PORT" names the service while "127.0.0.1:PORT" does not.
#pragma once

#include <string>
#include <string_view>

namespace tcplan::emulator {

struct HostParts {
  std::string name;  // lower-case, without the port; IPv6 literals keep their brackets
  std::string port;  // empty when the Host has none
  bool is_ip = false;
};

HostParts split_host(std::string_view host);

// The service a Host names ("emr", "cvm", "ecm"), or empty for an IP literal or a name whose
// first label is not a service the catalog knows (such as "localhost").
std::string host_service(const HostParts& host);

}  // namespace tcplan::emulator
