// The signer against the 20 vectors the official Node.js SDK produced
// (tests/data/tc3-vectors.json), with every intermediate value, and against the v1
// vectors recomputed from the vendor docs.
#include "api/signer.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "tests/testing/process.h"

namespace tcplan::api {
namespace signer_test {

namespace json = boost::json;

json::array load_vectors() {
  auto text = testing::read_file(std::string(TCPLAN_SOURCE_DIR) + "/tests/data/tc3-vectors.json");
  return json::parse(text).as_array();
}

TEST(Tc3Signer, MatchesEveryOfficialSdkVector) {
  auto vectors = load_vectors();
  ASSERT_EQ(vectors.size(), 20u);
  for (const auto& v : vectors) {
    const auto& in = v.at("inputs").as_object();
    const auto& mid = v.at("intermediates").as_object();
    const auto& out = v.at("outputs").as_object();
    SCOPED_TRACE(json::value_to<std::string>(v.at("name")));

    Tc3Request req;
    req.method = json::value_to<std::string>(in.at("method"));
    req.canonical_query = json::value_to<std::string>(in.at("query"));
    req.payload = json::value_to<std::string>(in.at("payload"));
    req.service = json::value_to<std::string>(in.at("service"));
    req.timestamp = in.at("timestamp").to_number<std::int64_t>();
    // The SDK signs the host without a port even when the endpoint has one.
    req.signed_headers = {{"Content-Type", json::value_to<std::string>(in.at("content_type"))},
                          {"Host", json::value_to<std::string>(mid.at("host_signed"))}};

    auto sig = sign_tc3(req, json::value_to<std::string>(in.at("secretId")),
                        json::value_to<std::string>(in.at("secretKey")));
    EXPECT_EQ(sig.date, json::value_to<std::string>(mid.at("date")));
    EXPECT_EQ(sig.credential_scope, json::value_to<std::string>(mid.at("credential_scope")));
    EXPECT_EQ(sig.canonical_request, json::value_to<std::string>(mid.at("canonical_request")));
    EXPECT_EQ(sig.string_to_sign, json::value_to<std::string>(mid.at("string_to_sign")));
    EXPECT_EQ(sig.signature, json::value_to<std::string>(out.at("signature")));
    EXPECT_EQ(sig.authorization, json::value_to<std::string>(out.at("authorization")));
  }
}

TEST(Tc3Signer, VendorWorkedExampleIntermediates) {
  Tc3Request req;
  req.payload = R"({"Limit": 1, "Filters": [{"Values": ["unnamed"], "Name": "instance-name"}]})";
  req.service = "cvm";
  req.timestamp = 1551113065;
  req.signed_headers = {{"content-type", "application/json; charset=utf-8"},
                        {"host", "cvm.tencentcloudapi.com"}};
  auto sig =
      sign_tc3(req, "AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******", "Gu5t9xGARNpq86cd98joQYCN3*******");
  // The doc prints this hash with an extra 'f' (docs/cloud-api.md, "Signing").
  EXPECT_NE(
      sig.string_to_sign.find("2815843035062fffda5fd6f2a44ea8a34818b0dc46f024b8b3786976a3adda7a"),
      std::string::npos);
  EXPECT_EQ(sig.signature, "c492e8e41437e97a620b728c301bb8d17e7dc0c17eeabce80c20cd70fc3a78ff");
}

TEST(Tc3Signer, DateComesFromTheTimestampInUtc) {
  // 2019-02-26 00:44:25 in UTC+8 is still 2019-02-25 in UTC.
  EXPECT_EQ(utc_date(1551113065), "2019-02-25");
  EXPECT_EQ(utc_date(1551139199), "2019-02-25");  // 23:59:59 UTC
  EXPECT_EQ(utc_date(1551139200), "2019-02-26");  // 00:00:00 UTC
  EXPECT_EQ(utc_date(0), "1970-01-01");
}

TEST(Tc3Signer, EveryInputChangesTheSignature) {
  Tc3Request base;
  base.payload = "{}";
  base.service = "emr";
  base.timestamp = 1700000000;
  base.signed_headers = {{"content-type", "application/json"}, {"host", "emr.tencentcloudapi.com"}};
  const auto reference = sign_tc3(base, "id", "key").signature;

  auto changed = base;
  changed.payload = R"({"InstanceName":"集群"})";
  EXPECT_NE(sign_tc3(changed, "id", "key").signature, reference);
  changed = base;
  changed.timestamp += 1;
  EXPECT_NE(sign_tc3(changed, "id", "key").signature, reference);
  changed = base;
  changed.service = "cvm";
  EXPECT_NE(sign_tc3(changed, "id", "key").signature, reference);
  EXPECT_NE(sign_tc3(base, "id", "other-key").signature, reference);
  // The SecretId is not part of the signature, only of the Authorization header.
  EXPECT_EQ(sign_tc3(base, "other-id", "key").signature, reference);
}

TEST(V1Signer, VendorHmacSha1Examples) {
  std::map<std::string, std::string> params{{"Action", "DescribeInstances"},
                                            {"InstanceIds.0", "ins-09dx96dg"},
                                            {"Limit", "20"},
                                            {"Nonce", "11886"},
                                            {"Offset", "0"},
                                            {"Region", "ap-guangzhou"},
                                            {"Timestamp", "1465185768"},
                                            {"Version", "2017-03-12"}};
  auto p = params;
  p["SecretId"] = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******";
  EXPECT_EQ(sign_v1("GET", "cvm.tencentcloudapi.com", "/", p, "Gu5t9xGARNpq86cd98joQYCN3*******"),
            "zmmjn35mikh6pM3V7sUEuX4wyYM=");
  EXPECT_EQ(sign_v1("POST", "cvm.tencentcloudapi.com", "/", p, "Gu5t9xGARNpq86cd98joQYCN3*******"),
            "D8RglL32HGDVKDDc16dtgRo6l6Q=");
  p["SignatureMethod"] = "HmacSHA256";
  EXPECT_EQ(sign_v1("GET", "cvm.tencentcloudapi.com", "/", p, "Gu5t9xGARNpq86cd98joQYCN3*******"),
            "czb75sAwt2P15FCqA4ugj88/aUVor/dVp3fCS/7mQiY=");
  auto q = params;
  q["SecretId"] = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
  EXPECT_EQ(sign_v1("GET", "cvm.tencentcloudapi.com", "/", q, "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"),
            "EliP9YW3pW28FpsEdkXt/+WcGeI=");
}

}  // namespace signer_test
}  // namespace tcplan::api
