// A handler for LoopbackServer that behaves like the Tencent Cloud front door for one key
// pair: it checks the TC3 signature (recomputed with api::sign_tc3 from what arrived on the
// wire) and answers {"Response":{"Action","Params",...,"RequestId"}} or an AuthFailure error.
// The cross-check with the vendor's own signer is tests/api/sdk_interop_test.cc.
#pragma once

#include <atomic>
#include <boost/json.hpp>
#include <string>

#include "api/signer.h"
#include "tests/api/loopback_server.h"

namespace tcplan::testing {

inline std::string next_request_id() {
  static std::atomic<int> n{0};
  return "req-" + std::to_string(++n);
}

inline ServerReply cloud_error(const std::string& code, const std::string& message) {
  boost::json::object error{{"Code", code}, {"Message", message}};
  boost::json::object response{{"Error", error}, {"RequestId", next_request_id()}};
  return ServerReply::json(boost::json::serialize(boost::json::object{{"Response", response}}));
}

// Empty when `r` is correctly signed with (id, key); otherwise the AuthFailure code.
inline std::string check_signature(const ServerRequest& r, const std::string& id,
                                   const std::string& key) {
  const std::string auth = r.header("authorization");
  const std::string prefix = "TC3-HMAC-SHA256 Credential=";
  if (auth.rfind(prefix, 0) != 0) return "AuthFailure.InvalidAuthorization";
  auto scope_end = auth.find(',');
  std::string credential = auth.substr(prefix.size(), scope_end - prefix.size());
  // id/date/service/tc3_request
  auto s1 = credential.find('/');
  auto s2 = credential.find('/', s1 + 1);
  auto s3 = credential.find('/', s2 + 1);
  if (s1 == std::string::npos || s2 == std::string::npos || s3 == std::string::npos) {
    return "AuthFailure.InvalidAuthorization";
  }
  if (credential.substr(0, s1) != id) return "AuthFailure.SecretIdNotFound";
  api::Tc3Request req;
  req.service = credential.substr(s2 + 1, s3 - s2 - 1);
  req.timestamp = std::stoll(r.header("x-tc-timestamp"));
  std::string host = r.header("host");
  if (auto colon = host.rfind(':');
      colon != std::string::npos && host.find(']') == std::string::npos) {
    host = host.substr(0, colon);  // signed without the port, as the official SDKs do
  }
  req.signed_headers = {{"content-type", r.header("content-type")}, {"host", host}};
  req.payload = r.body;
  auto expected = api::sign_tc3(req, id, key);
  return expected.authorization == auth ? std::string() : "AuthFailure.SignatureFailure";
}

inline ServerReply cloud_reply(const ServerRequest& r, const std::string& id,
                               const std::string& key) {
  if (auto problem = check_signature(r, id, key); !problem.empty()) {
    return cloud_error(problem, "The provided credentials could not be validated.");
  }
  boost::system::error_code ec;
  auto params = boost::json::parse(r.body, ec);
  if (ec) return cloud_error("InvalidParameter", "body is not JSON");
  boost::json::object response{{"Action", r.header("x-tc-action")},
                               {"Version", r.header("x-tc-version")},
                               {"Region", r.header("x-tc-region")},
                               {"Params", params},
                               {"RequestId", next_request_id()}};
  return ServerReply::json(boost::json::serialize(boost::json::object{{"Response", response}}));
}

}  // namespace tcplan::testing
