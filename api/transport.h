// HTTP POST over libcurl for the API client: TLS always verified (plain http only to
// loopback, and never through a proxy), headers checked for injection, connect and total
// timeouts, keep-alive connections shared across calls and
// threads, gzip accepted, responses capped at 16 MiB. Failures become ClientError.* ApiErrors.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/api_error.h"
#include "base/result.h"

namespace tcplan::api {

inline constexpr std::size_t kMaxResponseBytes = 16u << 20;

struct HttpRequest {
  std::string url;  // http(s)://host[:port]/path
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{60'000};
  // False for requests that must never be sent twice without the caller knowing (mutating
  // calls): they go on a fresh connection, because libcurl silently re-sends a request whose
  // reused keep-alive connection turns out dead before any byte of the answer arrives — and
  // the server may have acted on the first copy.
  bool idempotent = true;
  // When set and true, the transfer is abandoned within about a second (libcurl's progress
  // callback): ClientError.NetworkError, maybe_sent as far as it got. A second Ctrl-C.
  const std::atomic<bool>* cancel = nullptr;
  // GET instead of POST (the CVM metadata service); the body is ignored.
  bool get = false;
  // Plain http is also allowed to the CVM metadata service (metadata.tencentyun.com or a
  // link-local 169.254.x.x address), which serves nothing else.
  bool metadata_service = false;
};

struct HttpResponse {
  int status = 0;
  std::string body;  // decoded (gzip removed)
  double latency_ms = 0;
  std::string date;  // the Date header as sent (IMF-fixdate), empty when there was none
};

// Unix seconds of an HTTP Date header ("Sun, 06 Dec 2026 13:40:26 GMT"), nullopt if unreadable.
std::optional<std::int64_t> parse_http_date(const std::string& value);

// The parts of a URL the client needs. Host is what goes in the Host header: the host, plus
// ":port" when the URL names a port.
struct ParsedUrl {
  std::string scheme;  // "http" | "https"
  std::string host;    // without brackets or port
  std::string host_header;
  // The host as the official SDKs sign it: without the port (the Node SDK signs
  // URL.hostname), IPv6 brackets kept. The cloud never sees a port, so only servers on a
  // custom port (the emulator, test servers) depend on this choice.
  std::string signed_host;
  bool loopback = false;
};

// Why `name: value` must not be sent as an HTTP header (a name that is not a token, a value
// with a control character such as CR or LF), or nullopt when it may. The message never
// holds the value.
std::optional<std::string> header_problem(std::string_view name, std::string_view value);

// Rejects anything but http/https, and plain http to a host that is not loopback
// (ClientError.InvalidRequest): TLS is never optional on a real network.
base::Result<ParsedUrl, ApiError> parse_endpoint_url(const std::string& url,
                                                     bool metadata_service = false);

class Transport {
 public:
  Transport();
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Thread-safe. Failures: ClientError.NetworkError (DNS, connect, TLS, reset; maybe_sent set
  // when the request may have left), ClientError.Timeout, ClientError.ResponseTooLarge,
  // ClientError.InvalidRequest. Any HTTP status is a response, not an error.
  base::Result<HttpResponse, ApiError> post(const HttpRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tcplan::api
