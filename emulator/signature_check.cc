#include "emulator/signature_check.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

#include "api/hash.h"
#include "api/signer.h"
#include "base/text.h"
#include "emulator/host.h"

namespace tcplan::emulator {

namespace {

constexpr const char* kInvalidAuthorization = "AuthFailure.InvalidAuthorization";
constexpr const char* kSecretIdNotFound = "AuthFailure.SecretIdNotFound";
constexpr const char* kSignatureExpire = "AuthFailure.SignatureExpire";
constexpr const char* kSignatureFailure = "AuthFailure.SignatureFailure";
constexpr const char* kTokenFailure = "AuthFailure.TokenFailure";

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    auto pos = s.find(sep);
    out.push_back(s.substr(0, pos));
    if (pos == std::string_view::npos) break;
    s.remove_prefix(pos + 1);
  }
  return out;
}

Rejection reject(const char* code, std::string detail = {}) {
  return Rejection{code, detail};
}

struct Authorization {
  std::string secret_id;
  std::string date;
  std::string service;
  std::vector<std::string> signed_headers;
  std::string signature;
};

// "TC3-HMAC-SHA256 Credential=ID/DATE/SERVICE/tc3_request, SignedHeaders=a;b, Signature=hex"
base::Result<Authorization, Rejection> parse_authorization(std::string_view value) {
  value = base::trim(value);
  constexpr std::string_view kAlgorithm = "TC3-HMAC-SHA256";
  auto space = value.find(' ');
  if (space == std::string_view::npos || value.substr(0, space) != kAlgorithm)
    return reject(kInvalidAuthorization, "(the algorithm must be TC3-HMAC-SHA256)");
  Authorization auth;
  std::string_view credential, signed_headers, signature;
  for (std::string_view part : split(value.substr(space + 1), ',')) {
    part = base::trim(part);
    auto eq = part.find('=');
    if (eq == std::string_view::npos)
      return reject(kInvalidAuthorization, "(expected Credential, SignedHeaders and Signature)");
    std::string_view key = part.substr(0, eq);
    std::string_view val = part.substr(eq + 1);
    if (key == "Credential")
      credential = val;
    else if (key == "SignedHeaders")
      signed_headers = val;
    else if (key == "Signature")
      signature = val;
    else
      return reject(kInvalidAuthorization, "(unexpected field " + std::string(key) + ")");
  }
  if (credential.empty() || signed_headers.empty() || signature.empty())
    return reject(kInvalidAuthorization, "(expected Credential, SignedHeaders and Signature)");
  auto scope = split(credential, '/');
  if (scope.size() != 4 || scope[0].empty() || scope[1].empty() || scope[2].empty() ||
      scope[3] != "tc3_request")
    return reject(kInvalidAuthorization, "(Credential must be SecretId/Date/Service/tc3_request)");
  auth.secret_id = scope[0];
  auth.date = scope[1];
  auth.service = scope[2];
  for (std::string_view h : split(signed_headers, ';')) {
    std::string name(base::trim(h));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (name.empty()) return reject(kInvalidAuthorization, "(empty name in SignedHeaders)");
    auth.signed_headers.push_back(std::move(name));
  }
  auto has = [&](std::string_view n) {
    return std::find(auth.signed_headers.begin(), auth.signed_headers.end(), n) !=
           auth.signed_headers.end();
  };
  if (!has("content-type") || !has("host"))
    return reject(kInvalidAuthorization, "(SignedHeaders must include content-type and host)");
  auth.signature = signature;
  return auth;
}

base::Result<std::int64_t, Rejection> check_timestamp(const std::string* text, std::int64_t now_s,
                                                      std::string_view name) {
  if (text == nullptr || text->empty())
    return reject("MissingParameter", "(" + std::string(name) + ")");
  std::int64_t ts = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), ts);
  if (ec != std::errc() || ptr != text->data() + text->size())
    return reject("InvalidParameterValue", "(" + std::string(name) + " must be Unix seconds)");
  const std::uint64_t skew = timestamp_skew(ts, now_s);
  if (skew > static_cast<std::uint64_t>(kMaxSkewSeconds))
    return reject(kSignatureExpire, "(" + std::string(name) + " " + *text + " is " +
                                        std::to_string(skew) + " s from server time " +
                                        std::to_string(now_s) + ")");
  return ts;
}

}  // namespace

std::uint64_t timestamp_skew(std::int64_t a, std::int64_t b) {
  // In unsigned arithmetic the difference is exact modulo 2^64, and |a - b| < 2^64 always.
  const auto ua = static_cast<std::uint64_t>(a);
  const auto ub = static_cast<std::uint64_t>(b);
  return a > b ? ua - ub : ub - ua;
}

base::Result<Signer, Rejection> verify_tc3(const HttpRequest& request, const KeyStore& keys,
                                           std::string_view service_of_host, std::int64_t now_s) {
  const std::string* header = request.header("authorization");
  if (header == nullptr) return reject("MissingParameter", "(Authorization)");
  auto auth = parse_authorization(*header);
  if (!auth.ok()) return auth.error();

  const std::optional<KeyPair> pair = keys.find(auth->secret_id);
  if (!pair) return reject(kSecretIdNotFound);

  auto ts = check_timestamp(request.header("x-tc-timestamp"), now_s, "X-TC-Timestamp");
  if (!ts.ok()) return ts.error();

  if (auth->date != api::utc_date(*ts))
    return reject(kSignatureFailure, "(credential scope date " + auth->date +
                                         " is not the UTC date of X-TC-Timestamp)");
  if (!service_of_host.empty() && auth->service != service_of_host)
    return reject(kSignatureFailure, "(credential scope service " + auth->service +
                                         " does not match the host's service " +
                                         std::string(service_of_host) + ")");

  api::Tc3Request canonical;
  canonical.method = request.method;
  canonical.canonical_uri = std::string(request.path());
  canonical.canonical_query = request.method == "GET" ? std::string(request.query()) : "";
  canonical.payload = request.method == "GET" ? "" : request.body;
  canonical.service = auth->service;
  canonical.timestamp = *ts;
  std::size_t host_index = 0;
  for (const auto& name : auth->signed_headers) {
    const std::string* value = request.header(name);
    if (value == nullptr)
      return reject(kSignatureFailure, "(signed header " + name + " is not in the request)");
    if (name == "host") host_index = canonical.signed_headers.size();
    canonical.signed_headers.emplace_back(name, *value);
  }

  bool match = api::constant_time_equal(
      api::sign_tc3(canonical, auth->secret_id, pair->secret_key).signature, auth->signature);
  // The real cloud never sees a port, and the Node SDK signs the host without it while its
  // Host header carries it: accept the canonical host with or without the port.
  if (!match) {
    HostParts host = split_host(canonical.signed_headers[host_index].second);
    if (!host.port.empty()) {
      canonical.signed_headers[host_index].second = host.name;
      match = api::constant_time_equal(
          api::sign_tc3(canonical, auth->secret_id, pair->secret_key).signature, auth->signature);
    }
  }
  if (!match) return reject(kSignatureFailure);

  if (!pair->token.empty()) {
    const std::string* token = request.header("x-tc-token");
    if (token == nullptr || !api::constant_time_equal(*token, pair->token))
      return reject(kTokenFailure, "(X-TC-Token is missing or does not match the key)");
  }
  return Signer{auth->secret_id, auth->service};
}

base::Result<Signer, Rejection> verify_v1(const HttpRequest& request,
                                          const std::map<std::string, std::string>& params,
                                          const KeyStore& keys, std::int64_t now_s) {
  auto get = [&](const char* name) -> const std::string* {
    auto it = params.find(name);
    return it == params.end() ? nullptr : &it->second;
  };
  const std::string* secret_id = get("SecretId");
  if (secret_id == nullptr) return reject("MissingParameter", "(SecretId)");
  const std::optional<KeyPair> pair = keys.find(*secret_id);
  if (!pair) return reject(kSecretIdNotFound);

  auto ts = check_timestamp(get("Timestamp"), now_s, "Timestamp");
  if (!ts.ok()) return ts.error();
  if (get("Nonce") == nullptr) return reject("MissingParameter", "(Nonce)");

  const std::string* signature = get("Signature");
  if (signature == nullptr) return reject("MissingParameter", "(Signature)");
  std::map<std::string, std::string> signed_params = params;
  signed_params.erase("Signature");

  const std::string* host_header = request.header("host");
  std::string host = host_header != nullptr ? std::string(base::trim(*host_header)) : "";
  const std::string path(request.path());
  bool match = api::constant_time_equal(
      api::sign_v1(request.method, host, path, signed_params, pair->secret_key), *signature);
  if (!match) {
    HostParts parts = split_host(host);
    if (!parts.port.empty())
      match = api::constant_time_equal(
          api::sign_v1(request.method, parts.name, path, signed_params, pair->secret_key),
          *signature);
  }
  if (!match) return reject(kSignatureFailure);

  if (!pair->token.empty()) {
    const std::string* token = get("Token");
    if (token == nullptr || !api::constant_time_equal(*token, pair->token))
      return reject(kTokenFailure, "(Token is missing or does not match the key)");
  }
  return Signer{*secret_id, ""};
}

}  // namespace tcplan::emulator
