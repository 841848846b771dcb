#include "api/signer.h"

#include <algorithm>
#include <cctype>

#include "api/credentials.h"
#include "api/hash.h"
#include "base/hex.h"
#include "base/text.h"
#include "base/time.h"

namespace tcplan::api {

std::string utc_date(std::int64_t timestamp) {
  return base::format_utc_ms(timestamp * 1000).substr(0, 10);  // "YYYY-MM-DD"
}

Tc3Signature sign_tc3(const Tc3Request& request, std::string_view secret_id,
                      std::string_view secret_key) {
  std::vector<std::pair<std::string, std::string>> headers;
  headers.reserve(request.signed_headers.size());
  for (const auto& [name, value] : request.signed_headers) {
    headers.emplace_back(base::ascii_lower(base::trim(name)), base::ascii_lower(base::trim(value)));
  }
  std::sort(headers.begin(), headers.end());

  Tc3Signature sig;
  std::string canonical_headers;
  for (const auto& [name, value] : headers) {
    canonical_headers += name + ":" + value + "\n";
    if (!sig.signed_headers.empty()) sig.signed_headers += ';';
    sig.signed_headers += name;
  }

  sig.canonical_request = request.method + "\n" + request.canonical_uri + "\n" +
                          request.canonical_query + "\n" + canonical_headers + "\n" +
                          sig.signed_headers + "\n" + sha256_hex(request.payload);
  sig.date = utc_date(request.timestamp);
  sig.credential_scope = sig.date + "/" + request.service + "/tc3_request";
  sig.string_to_sign = "TC3-HMAC-SHA256\n" + std::to_string(request.timestamp) + "\n" +
                       sig.credential_scope + "\n" + sha256_hex(sig.canonical_request);

  // The prefixed key and each derived key are as good as the SecretKey for a day: wiped before
  // their heap blocks are freed, like the key itself (api/credentials.h).
  std::string prefixed_key = std::string("TC3").append(secret_key);
  std::string secret_date = hmac_sha256(prefixed_key, sig.date);
  std::string secret_service = hmac_sha256(secret_date, request.service);
  std::string secret_signing = hmac_sha256(secret_service, "tc3_request");
  sig.signature = base::to_hex(hmac_sha256(secret_signing, sig.string_to_sign));
  for (std::string* key : {&prefixed_key, &secret_date, &secret_service, &secret_signing})
    wipe(*key);
  sig.authorization = "TC3-HMAC-SHA256 Credential=" + std::string(secret_id) + "/" +
                      sig.credential_scope + ", SignedHeaders=" + sig.signed_headers +
                      ", Signature=" + sig.signature;
  return sig;
}

std::string sign_v1(std::string_view method, std::string_view host, std::string_view path,
                    const std::map<std::string, std::string>& params, std::string_view secret_key) {
  // std::map orders keys by byte value, which is the ASCII order the docs ask for
  // ("InstanceIds.12" before "InstanceIds.2").
  std::string source = std::string(method) + std::string(host) + std::string(path) + "?";
  bool first = true;
  for (const auto& [key, value] : params) {
    if (!first) source += '&';
    first = false;
    source += key + "=" + value;
  }
  auto method_it = params.find("SignatureMethod");
  bool sha256 = method_it != params.end() && method_it->second == "HmacSHA256";
  return base64_encode(sha256 ? hmac_sha256(secret_key, source) : hmac_sha1(secret_key, source));
}

}  // namespace tcplan::api
