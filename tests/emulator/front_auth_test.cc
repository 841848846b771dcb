// Signature verification over loopback: every AuthFailure the cloud documents, the host and
// credential-scope rules the official SDKs rely on, and the v1 HmacSHA1/HmacSHA256 form.
#include <gtest/gtest.h>

#include <map>

#include "api/hash.h"
#include "tests/emulator/front_harness.h"

namespace tcplan::emulator::testing {
namespace front_auth_test {

TEST(FrontAuth, AcceptsAValidTc3Request) {
  Emulator emu;
  Reply r = emu.call(Call{});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.code(), "") << r.body;
  EXPECT_EQ(json::value_to<std::string>(r.response().at("Echo")), "DescribeInstances");
  ASSERT_EQ(emu.cloud.call_count(), 1u);
  const ApiCall call = emu.cloud.calls()[0];
  EXPECT_EQ(call.service, "emr");
  EXPECT_EQ(call.region, "ap-guangzhou");
  EXPECT_EQ(call.secret_id, kLocalSecretId);
  EXPECT_EQ(call.version, "2019-01-03");
  EXPECT_EQ(call.now_ms, FakeCloud::kStartMs);
}

TEST(FrontAuth, AcceptsTheHostSignedWithoutItsPortLikeTheNodeSdk) {
  Emulator emu;
  Call c;
  c.signed_host = "127.0.0.1";
  Reply r = emu.call(c);
  EXPECT_EQ(r.code(), "") << r.body;
}

TEST(FrontAuth, AcceptsTheScopeServiceAnIpLiteralHostWasSignedWith) {
  Emulator emu;
  Call c;
  c.scope_service = "127";  // what the SDKs derive from an endpoint of 127.0.0.1:PORT
  EXPECT_EQ(emu.call(c).code(), "");
}

TEST(FrontAuth, ANamedHostRequiresItsOwnServiceInTheScope) {
  Emulator emu;
  Call c;
  c.host = "emr.tencentcloudapi.com:" + std::to_string(emu.port());
  EXPECT_EQ(emu.call(c).code(), "");
  c.scope_service = "cvm";
  Reply r = emu.call(c);
  EXPECT_EQ(r.code(), "AuthFailure.SignatureFailure");
  EXPECT_NE(r.message().find("does not match the host's service emr"), std::string::npos);
  c.host = "emr.tencentcloudapi.com";  // no port, as the real cloud sees it
  c.scope_service = "emr";
  EXPECT_EQ(emu.call(c).code(), "");
}

TEST(FrontAuth, WrongKeyIsASignatureFailure) {
  Emulator emu;
  Call c;
  c.secret_key = "not-the-key";
  Reply r = emu.call(c);
  EXPECT_EQ(r.code(), "AuthFailure.SignatureFailure");
  EXPECT_EQ(r.message().find("not-the-key"), std::string::npos);
  EXPECT_EQ(r.message().find(kLocalSecretKey), std::string::npos);
  EXPECT_EQ(emu.cloud.call_count(), 0u);
}

TEST(FrontAuth, ABodyChangedAfterSigningIsASignatureFailure) {
  Emulator emu;
  HttpRequest req = sign(Call{}, emu.port());
  req.body = R"({"DisplayStrategy":"clusterList","Limit":1})";
  EXPECT_EQ(emu.send(req).code(), "AuthFailure.SignatureFailure");
}

TEST(FrontAuth, AContentTypeChangedAfterSigningIsASignatureFailure) {
  Emulator emu;
  HttpRequest req = sign(Call{}, emu.port());
  for (auto& [name, value] : req.headers) {
    if (name == "content-type") value = "application/json; charset=utf-8";
  }
  EXPECT_EQ(emu.send(req).code(), "AuthFailure.SignatureFailure");
}

TEST(FrontAuth, UnknownSecretIdIsSecretIdNotFound) {
  Emulator emu;
  Call c;
  c.secret_id = "AKIDnobody";
  EXPECT_EQ(emu.call(c).code(), "AuthFailure.SecretIdNotFound");
}

TEST(FrontAuth, SkewOverFiveMinutesIsSignatureExpireEitherWay) {
  Emulator emu;
  Call c;
  c.timestamp = kNow - 300;
  EXPECT_EQ(emu.call(c).code(), "");
  c.timestamp = kNow + 300;
  EXPECT_EQ(emu.call(c).code(), "");
  c.timestamp = kNow - 301;
  EXPECT_EQ(emu.call(c).code(), "AuthFailure.SignatureExpire");
  c.timestamp = kNow + 301;
  EXPECT_EQ(emu.call(c).code(), "AuthFailure.SignatureExpire");
}

TEST(FrontAuth, SkewIsCheckedBeforeTheSignature) {
  Emulator emu;
  Call c;
  c.timestamp = kNow - 3600;
  c.secret_key = "wrong";
  EXPECT_EQ(emu.call(c).code(), "AuthFailure.SignatureExpire");
}

TEST(FrontAuth, ScopeDateMustBeTheUtcDateOfTheTimestamp) {
  Emulator emu;
  HttpRequest req = sign(Call{}, emu.port());
  for (auto& [name, value] : req.headers) {
    if (name != "authorization") continue;
    auto pos = value.find(api::utc_date(kNow));
    ASSERT_NE(pos, std::string::npos);
    value.replace(pos, 10, api::utc_date(kNow + 86400));
  }
  Reply r = emu.send(req);
  EXPECT_EQ(r.code(), "AuthFailure.SignatureFailure");
  EXPECT_NE(r.message().find("not the UTC date"), std::string::npos);
}

TEST(FrontAuth, SignedHeadersMustIncludeContentTypeAndHost) {
  Emulator emu;
  HttpRequest req = sign(Call{}, emu.port());
  for (auto& [name, value] : req.headers) {
    if (name == "authorization") {
      auto pos = value.find("content-type;host");
      value.replace(pos, 17, "host");
    }
  }
  EXPECT_EQ(emu.send(req).code(), "AuthFailure.InvalidAuthorization");
}

TEST(FrontAuth, MalformedAuthorizationIsInvalidAuthorization) {
  Emulator emu;
  for (std::string bad :
       std::vector<std::string>{"Bearer abc", "TC3-HMAC-SHA256 Credential=AKID/2023-11-14/emr",
                                "TC3-HMAC-SHA256 SignedHeaders=content-type;host, Signature=ab",
                                "TC3-HMAC-SHA256 Credential=" + std::string(kLocalSecretId) +
                                    "/2023-11-14/emr/tc4_request, SignedHeaders=content-type;host, "
                                    "Signature=ab"}) {
    SCOPED_TRACE(bad);
    HttpRequest req = sign(Call{}, emu.port());
    for (auto& [name, value] : req.headers) {
      if (name == "authorization") value = bad;
    }
    EXPECT_EQ(emu.send(req).code(), "AuthFailure.InvalidAuthorization");
  }
}

TEST(FrontAuth, AnUnsignedRequestIsMissingAuthorization) {
  Emulator emu;
  HttpRequest req = sign(Call{}, emu.port());
  std::erase_if(req.headers, [](const auto& h) { return h.first == "authorization"; });
  Reply r = emu.send(req);
  EXPECT_EQ(r.code(), "MissingParameter");
  EXPECT_NE(r.message().find("Authorization"), std::string::npos);
}

TEST(FrontAuth, ExtraSignedHeadersAreVerifiedToo) {
  Emulator emu;
  Call c;
  c.extra_signed = {"x-tc-action"};
  EXPECT_EQ(emu.call(c).code(), "");
  HttpRequest req = sign(c, emu.port());
  for (auto& [name, value] : req.headers) {
    if (name == "x-tc-action") value = "TerminateInstance";
  }
  EXPECT_EQ(emu.send(req).code(), "AuthFailure.SignatureFailure");
}

TEST(FrontAuth, TokenIsCheckedWhenThePairHasOne) {
  FrontOptions options;
  options.keys.add(KeyPair{"AKIDtemporary", "temporary-key", "session-token-1"});
  Emulator emu(std::move(options));
  Call c;
  c.secret_id = "AKIDtemporary";
  c.secret_key = "temporary-key";
  EXPECT_EQ(emu.call(c).code(), "AuthFailure.TokenFailure");
  c.token = "session-token-2";
  EXPECT_EQ(emu.call(c).code(), "AuthFailure.TokenFailure");
  c.token = "session-token-1";
  EXPECT_EQ(emu.call(c).code(), "");
}

TEST(FrontAuth, Tc3GetSignsTheQueryString) {
  Emulator emu;
  Call c;
  c.method = "GET";
  c.content_type = "application/x-www-form-urlencoded";
  c.query = "InstanceIds.0=emr-abc&DisplayStrategy=clusterList&Limit=10";
  Reply r = emu.call(c);
  ASSERT_EQ(r.code(), "") << r.body;
  const auto params = emu.cloud.calls().at(0).params;
  EXPECT_EQ(params.at("InstanceIds").as_array().at(0).as_string(), "emr-abc");
  EXPECT_EQ(params.at("Limit").as_int64(), 10);  // typed by the catalog
  HttpRequest req = sign(c, emu.port());
  req.target += "1";  // Limit=101: not what was signed
  EXPECT_EQ(emu.send(req).code(), "AuthFailure.SignatureFailure");
}

// v1: every parameter, the signature included, in the query string or a form body.
std::string v1_query(const std::map<std::string, std::string>& params, const std::string& method,
                     const std::string& host, const std::string& key) {
  std::string signature = api::sign_v1(method, host, "/", params, key);
  std::string q;
  auto encode = [](const std::string& s) {
    std::string out;
    for (unsigned char ch : s) {
      if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
        out += static_cast<char>(ch);
      } else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", ch);
        out += buf;
      }
    }
    return out;
  };
  for (const auto& [k, v] : params)
    q += k + "=" + encode(v) + "&";
  return q + "Signature=" + encode(signature);
}

std::map<std::string, std::string> v1_params(const std::string& method = "") {
  std::map<std::string, std::string> p{
      {"Action", "DescribeInstances"},     {"Version", "2019-01-03"}, {"Region", "ap-guangzhou"},
      {"Timestamp", std::to_string(kNow)}, {"Nonce", "11886"},        {"SecretId", kLocalSecretId},
      {"DisplayStrategy", "clusterList"},  {"InstanceIds.0", "emr-1"}};
  if (!method.empty()) p["SignatureMethod"] = method;
  return p;
}

TEST(FrontAuth, AcceptsV1HmacSha1Get) {
  Emulator emu;
  const std::string host = "127.0.0.1:" + std::to_string(emu.port());
  HttpRequest req;
  req.method = "GET";
  req.target = "/?" + v1_query(v1_params(), "GET", host, kLocalSecretKey);
  req.headers = {{"host", host}};
  Reply r = emu.send(req);
  ASSERT_EQ(r.code(), "") << r.body;
  const ApiCall call = emu.cloud.calls().at(0);
  EXPECT_EQ(call.action, "DescribeInstances");
  EXPECT_EQ(call.region, "ap-guangzhou");
  // Common parameters are not the action's parameters.
  EXPECT_FALSE(call.params.contains("Nonce"));
  EXPECT_EQ(call.params.at("InstanceIds").as_array().at(0).as_string(), "emr-1");
}

TEST(FrontAuth, AcceptsV1HmacSha256PostFormSignedWithoutThePort) {
  Emulator emu;
  HttpRequest req;
  req.method = "POST";
  req.target = "/";
  req.body = v1_query(v1_params("HmacSHA256"), "POST", "127.0.0.1", kLocalSecretKey);
  req.headers = {{"host", "127.0.0.1:" + std::to_string(emu.port())},
                 {"content-type", "application/x-www-form-urlencoded"}};
  EXPECT_EQ(emu.send(req).code(), "");
}

TEST(FrontAuth, V1FailuresUseTheSameCodes) {
  Emulator emu;
  const std::string host = "127.0.0.1:" + std::to_string(emu.port());
  auto send = [&](std::map<std::string, std::string> params, const std::string& key) {
    HttpRequest req;
    req.method = "GET";
    req.target = "/?" + v1_query(params, "GET", host, key);
    req.headers = {{"host", host}};
    return emu.send(req).code();
  };
  EXPECT_EQ(send(v1_params(), "wrong-key"), "AuthFailure.SignatureFailure");
  // Signed with SHA-1 but claiming SHA-256.
  {
    auto p = v1_params();
    HttpRequest req;
    req.method = "GET";
    std::string q = v1_query(p, "GET", host, kLocalSecretKey);
    req.target = "/?" + q + "&SignatureMethod=HmacSHA256";
    req.headers = {{"host", host}};
    EXPECT_EQ(emu.send(req).code(), "AuthFailure.SignatureFailure");
  }
  auto p = v1_params();
  p["SecretId"] = "AKIDnobody";
  EXPECT_EQ(send(p, kLocalSecretKey), "AuthFailure.SecretIdNotFound");
  p = v1_params();
  p["Timestamp"] = std::to_string(kNow - 301);
  EXPECT_EQ(send(p, kLocalSecretKey), "AuthFailure.SignatureExpire");
  p = v1_params();
  p.erase("Nonce");
  EXPECT_EQ(send(p, kLocalSecretKey), "MissingParameter");
  EXPECT_EQ(emu.cloud.call_count(), 0u);
}

TEST(FrontAuth, V1TokenIsCheckedWhenThePairHasOne) {
  FrontOptions options;
  options.keys.add(KeyPair{"AKIDtemporary", "temporary-key", "tok"});
  Emulator emu(std::move(options));
  const std::string host = "127.0.0.1:" + std::to_string(emu.port());
  auto p = v1_params();
  p["SecretId"] = "AKIDtemporary";
  HttpRequest req;
  req.method = "GET";
  req.headers = {{"host", host}};
  req.target = "/?" + v1_query(p, "GET", host, "temporary-key");
  EXPECT_EQ(emu.send(req).code(), "AuthFailure.TokenFailure");
  p["Token"] = "tok";
  req.target = "/?" + v1_query(p, "GET", host, "temporary-key");
  EXPECT_EQ(emu.send(req).code(), "");
}

}  // namespace front_auth_test
}  // namespace tcplan::emulator::testing
