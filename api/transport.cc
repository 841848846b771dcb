#include "api/transport.h"

#include <curl/curl.h>

#include <array>
#include <cctype>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "base/text.h"

namespace tcplan::api {
namespace {

constexpr long kMaxIdleConnections = 64;

// Connection, DNS and TLS-session caches live in one CURLSH shared by every easy handle of a
// Transport, so a call made from any worker thread reuses the keep-alive connections of the
// others. libcurl requires the application to lock shared data; one mutex per data kind keeps
// unrelated lookups (DNS vs connection cache) from contending.
struct ShareLocks {
  std::array<std::mutex, CURL_LOCK_DATA_LAST> mutexes;
};

void lock_cb(CURL*, curl_lock_data data, curl_lock_access, void* user) {
  static_cast<ShareLocks*>(user)->mutexes[static_cast<std::size_t>(data)].lock();
}
void unlock_cb(CURL*, curl_lock_data data, void* user) {
  static_cast<ShareLocks*>(user)->mutexes[static_cast<std::size_t>(data)].unlock();
}

struct Sink {
  std::string* body;
  bool too_large = false;
};

// Keeps the Date header: a refreshing credential source reads the cloud's clock from it.
size_t header_cb(char* data, size_t size, size_t count, void* user) {
  const std::string_view line(data, size * count);
  constexpr std::string_view kDate = "date:";
  if (line.size() > kDate.size()) {
    bool match = true;
    for (std::size_t i = 0; i < kDate.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(line[i])) != kDate[i]) match = false;
    }
    if (match) {
      *static_cast<std::string*>(user) =
          std::string(base::trim(line.substr(kDate.size()), " \t\r\n"));
    }
  }
  return size * count;
}

size_t write_cb(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t n = size * count;
  // Counted after decompression: a small gzip body cannot expand past the cap.
  if (sink->body->size() + n > kMaxResponseBytes) {
    sink->too_large = true;
    return 0;  // makes curl fail with CURLE_WRITE_ERROR
  }
  sink->body->append(data, n);
  return n;
}

// libcurl re-sends a request once, silently, when a reused keep-alive connection turns out to
// be dead before any byte of the answer came back. But the server may have carried out the
// first send (its answer was lost), and the caller's hook recorded one attempt: refuse the
// hidden re-send, so the failure reaches the caller, which records it and decides whether to
// send again.
int cancel_cb(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* cancel = static_cast<const std::atomic<bool>*>(user);
  return cancel->load() ? 1 : 0;
}

int prereq_cb(void* user, char*, char*, int, int) {
  int* sends = static_cast<int*>(user);
  return ++*sends > 1 ? CURL_PREREQFUNC_ABORT : CURL_PREREQFUNC_OK;
}

// libcurl reads CIDR blocks here since 7.86 (Debian bookworm has 7.88).
constexpr const char* kNoProxy = "localhost,127.0.0.0/8,::1";

bool is_loopback_host(const std::string& host) {
  if (host == "localhost" || host == "[::1]" || host == "::1") return true;
  // 127.0.0.0/8, written as a dotted quad.
  if (host.rfind("127.", 0) != 0) return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

ApiError client_error(const char* code, std::string message, bool maybe_sent = false) {
  ApiError e;
  e.code = code;
  e.message = std::move(message);
  e.maybe_sent = maybe_sent;
  return e;
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("libcurl initialisation failed");
    }
  });
}

}  // namespace

std::optional<std::string> header_problem(std::string_view name, std::string_view value) {
  if (name.empty()) return "an HTTP header has an empty name";
  for (unsigned char c : name) {
    // RFC 9110 token characters only: no separator, no space, no control character.
    if (c <= 0x20 || c >= 0x7f ||
        std::string_view("\"(),/:;<=>?@[\\]{}").find(static_cast<char>(c)) !=
            std::string_view::npos)
      return "HTTP header name '" + std::string(name) + "' is not a token";
  }
  for (unsigned char c : value) {
    // A CR or LF would end the header and start another (header injection); no other
    // control character belongs in a header either. The value is not echoed: it may be a
    // token.
    if ((c < 0x20 && c != '\t') || c == 0x7f)
      return "HTTP header " + std::string(name) + " holds a control character; refusing to send";
  }
  return std::nullopt;
}

std::optional<std::int64_t> parse_http_date(const std::string& value) {
  const time_t t = curl_getdate(value.c_str(), nullptr);
  if (t < 0) return std::nullopt;
  return static_cast<std::int64_t>(t);
}

base::Result<ParsedUrl, ApiError> parse_endpoint_url(const std::string& url,
                                                     bool metadata_service) {
  CURLU* u = curl_url();
  if (u == nullptr) throw std::bad_alloc();
  struct Free {
    CURLU* u;
    ~Free() { curl_url_cleanup(u); }
  } free_u{u};
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return client_error(kInvalidRequest, "not a valid URL: " + url);
  }
  auto part = [&](CURLUPart which) -> std::string {
    char* value = nullptr;
    if (curl_url_get(u, which, &value, 0) != CURLUE_OK || value == nullptr) return {};
    std::string s = value;
    curl_free(value);
    return s;
  };
  ParsedUrl p;
  p.scheme = part(CURLUPART_SCHEME);
  p.host = part(CURLUPART_HOST);
  std::string port = part(CURLUPART_PORT);  // empty when the URL names none
  if (p.scheme != "http" && p.scheme != "https") {
    return client_error(kInvalidRequest, "endpoint must be http:// or https://: " + url);
  }
  if (p.host.empty()) return client_error(kInvalidRequest, "endpoint has no host: " + url);
  p.loopback = is_loopback_host(p.host);
  // The metadata service is plain http by design, reachable only from the instance itself.
  const bool metadata_host =
      metadata_service && (p.host == "metadata.tencentyun.com" || p.host.rfind("169.254.", 0) == 0);
  if (p.scheme == "http" && !p.loopback && !metadata_host) {
    return client_error(kInvalidRequest,
                        "plain http is only allowed to a loopback address; use https://" + p.host);
  }
  bool default_port = port.empty() || (p.scheme == "https" && port == "443") ||
                      (p.scheme == "http" && port == "80");
  p.host_header = default_port ? p.host : p.host + ":" + port;
  p.signed_host = p.host;
  if (p.host.size() > 2 && p.host.front() == '[') p.host = p.host.substr(1, p.host.size() - 2);
  return p;
}

struct Transport::Impl {
  ShareLocks locks;
  CURLSH* share = nullptr;
  std::mutex pool_mutex;
  // Idle easy handles. A handle serves one request at a time; with a pool rather than a
  // thread_local, handles never outlive the share they point at, whatever threads come and go.
  std::vector<CURL*> idle;

  CURL* acquire() {
    {
      std::lock_guard lock(pool_mutex);
      if (!idle.empty()) {
        CURL* h = idle.back();
        idle.pop_back();
        return h;
      }
    }
    CURL* h = curl_easy_init();
    if (h == nullptr) throw std::bad_alloc();
    return h;
  }
  void release(CURL* h) {
    std::lock_guard lock(pool_mutex);
    idle.push_back(h);
  }
};

Transport::Transport() : impl_(std::make_unique<Impl>()) {
  global_init();
  impl_->share = curl_share_init();
  if (impl_->share == nullptr) throw std::bad_alloc();
  curl_share_setopt(impl_->share, CURLSHOPT_LOCKFUNC, lock_cb);
  curl_share_setopt(impl_->share, CURLSHOPT_UNLOCKFUNC, unlock_cb);
  curl_share_setopt(impl_->share, CURLSHOPT_USERDATA, &impl_->locks);
  curl_share_setopt(impl_->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
  curl_share_setopt(impl_->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(impl_->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
}

Transport::~Transport() {
  for (CURL* h : impl_->idle)
    curl_easy_cleanup(h);
  curl_share_cleanup(impl_->share);
}

base::Result<HttpResponse, ApiError> Transport::post(const HttpRequest& request) {
  auto url = parse_endpoint_url(request.url, request.metadata_service);
  if (!url) return url.error();

  CURL* h = impl_->acquire();
  struct Return {
    Impl* impl;
    CURL* h;
    ~Return() { impl->release(h); }
  } give_back{impl_.get(), h};

  curl_easy_reset(h);
  HttpResponse response;
  Sink sink{&response.body};
  char errbuf[CURL_ERROR_SIZE] = {0};
  for (const auto& [name, value] : request.headers) {
    if (auto bad = header_problem(name, value)) return client_error(kInvalidRequest, *bad);
  }
  curl_slist* headers = nullptr;
  for (const auto& [name, value] : request.headers) {
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
  }
  // No "Expect: 100-continue" round trip for larger bodies.
  headers = curl_slist_append(headers, "Expect:");
  struct FreeHeaders {
    curl_slist* l;
    ~FreeHeaders() { curl_slist_free_all(l); }
  } free_headers{headers};

  curl_easy_setopt(h, CURLOPT_SHARE, impl_->share);
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  if (request.get) {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &response.date);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // every encoding this libcurl decodes
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  // The shared cache keeps at most this many idle connections; libcurl's default (5) is below
  // what a worker pool plus a few hosts need, and would close connections we are about to reuse.
  curl_easy_setopt(h, CURLOPT_MAXCONNECTS, kMaxIdleConnections);
  // A proxy from the environment must never see loopback traffic (the local emulator, which
  // is plain http): no proxy at all for a loopback URL, and the whole loopback range in the
  // no-proxy list for anything a redirect or a later option change might add.
  curl_easy_setopt(h, CURLOPT_NOPROXY, kNoProxy);
  if (url->loopback) curl_easy_setopt(h, CURLOPT_PROXY, "");
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(request.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.total_timeout.count()));
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(kMaxResponseBytes));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  if (!request.idempotent) curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
  int sends = 0;
  curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, prereq_cb);
  curl_easy_setopt(h, CURLOPT_PREREQDATA, &sends);
  if (request.cancel != nullptr) {
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, cancel_cb);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(request.cancel));
  }

  auto start = std::chrono::steady_clock::now();
  CURLcode rc = curl_easy_perform(h);
  response.latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

  if (rc == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    return response;
  }

  // Whether the request may have left: curl reaches "pre-transfer" right before it writes the
  // request, after DNS, TCP connect and the TLS handshake.
  curl_off_t pretransfer = 0;
  curl_easy_getinfo(h, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
  bool maybe_sent = pretransfer > 0;
  std::string detail = errbuf[0] != '\0' ? std::string(errbuf) : curl_easy_strerror(rc);
  std::string where = " (" + url->host_header + ")";

  if (sends > 1) {
    return client_error(kNetworkError,
                        "the connection closed with no response; the request may have been "
                        "carried out" +
                            where,
                        true);
  }
  if (sink.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
    return client_error(
        kResponseTooLarge,
        "response larger than " + std::to_string(kMaxResponseBytes >> 20) + " MiB" + where, true);
  }
  switch (rc) {
    case CURLE_ABORTED_BY_CALLBACK:
      return client_error(kNetworkError, "abandoned (interrupted twice)" + where, maybe_sent);
    case CURLE_OPERATION_TIMEDOUT:
      if (!maybe_sent) return client_error(kNetworkError, "connect timed out: " + detail + where);
      return client_error(kTimeout, detail + where, true);
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
      return client_error(kNetworkError, detail + where, false);
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return client_error(kInvalidRequest, detail + where, false);
    default:
      return client_error(kNetworkError, detail + where, maybe_sent);
  }
}

}  // namespace tcplan::api
