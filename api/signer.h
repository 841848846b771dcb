// TC3-HMAC-SHA256 (API 3.0) and the older v1 HmacSHA1/HmacSHA256 signatures, exactly as the
// vendor documents them (docs/cloud-api.md, "Signing"). The client signs
// every attempt afresh; the emulator recomputes the same values to verify requests.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tcplan::api {

struct Tc3Request {
  std::string method = "POST";
  std::string canonical_uri = "/";
  std::string canonical_query;  // GET: the query string, already RFC 3986 encoded; POST: ""
  // The headers to sign, as (name, value); names are lower-cased and sorted when signing.
  std::vector<std::pair<std::string, std::string>> signed_headers;
  std::string payload;  // the exact body bytes
  std::string service;  // credential-scope service: "emr", "cvm", "ecm"
  std::int64_t timestamp = 0;
};

struct Tc3Signature {
  std::string date;              // UTC date of the timestamp, YYYY-MM-DD
  std::string credential_scope;  // date/service/tc3_request
  std::string signed_headers;    // "content-type;host"
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // lowercase hex
  std::string authorization;  // the full Authorization header value
};

Tc3Signature sign_tc3(const Tc3Request& request, std::string_view secret_id,
                      std::string_view secret_key);

// YYYY-MM-DD of a Unix timestamp in UTC. The date must come from the timestamp itself, not
// from local time: a UTC+8 clock gives the wrong date between 00:00 and 08:00.
std::string utc_date(std::int64_t timestamp);

// v1: Base64(HMAC(SecretKey, METHOD + host + path + "?" + k=v&... sorted by key, raw values)).
// HMAC-SHA256 only when params["SignatureMethod"] == "HmacSHA256", else HMAC-SHA1.
// `params` must not contain "Signature".
std::string sign_v1(std::string_view method, std::string_view host, std::string_view path,
                    const std::map<std::string, std::string>& params, std::string_view secret_key);

}  // namespace tcplan::api
