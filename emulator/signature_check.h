// Verifies a request's signature the way the cloud does: TC3-HMAC-SHA256 from the
// Authorization header, or the v1 HmacSHA1/HmacSHA256 form from the request parameters.
// The checks run in the cloud's order: header parse, SecretId, timestamp skew, signature, token.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "base/result.h"
#include "emulator/http_request.h"
#include "emulator/key_store.h"

namespace tcplan::emulator {

// A request the front refuses: a documented error code, and a detail that helps the caller
// find the problem (it never contains a key).
struct Rejection {
  std::string code;
  std::string detail;
};

struct Signer {
  std::string secret_id;
  std::string scope_service;  // TC3 credential-scope service; empty for v1
};

inline constexpr std::int64_t kMaxSkewSeconds = 300;

// |a - b| without overflow for any two int64 values (a timestamp is whatever the client sent:
// "-9223372036854775808" is a valid int64 that is as far from now as a timestamp can be).
std::uint64_t timestamp_skew(std::int64_t a, std::int64_t b);

// `service_of_host` is what Host names ("emr"), or empty for an IP literal, in which case the
// credential scope's own service is accepted (the SDKs sign 127.0.0.1:PORT as service "127").
// `now_s` is real Unix time: the cloud compares against its own clock, not a sped-up one.
base::Result<Signer, Rejection> verify_tc3(const HttpRequest& request, const KeyStore& keys,
                                           std::string_view service_of_host, std::int64_t now_s);

// `params` are the decoded request parameters (query string for GET, form body for POST),
// including Signature.
base::Result<Signer, Rejection> verify_v1(const HttpRequest& request,
                                          const std::map<std::string, std::string>& params,
                                          const KeyStore& keys, std::int64_t now_s);

}  // namespace tcplan::emulator
