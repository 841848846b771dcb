// Redaction (base/redact.h, the one rule): secrets never reach the DB file bytes (main file
// and WAL), exports or reports, while the ClientToken and the non-secret parts of
// Authorization survive; registering values while other threads redact is safe; terminal
// escaping of server strings.
#include "base/redact.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <thread>

#include "audit/export.h"
#include "audit/projection.h"
#include "audit/report_html.h"
#include "audit/verify.h"
#include "tests/audit/fixture.h"

namespace tcplan::audit::testing {
namespace redact_test {

using base::is_secret_field_name;
using base::redact_authorization;
using base::Redactor;

using tcplan::testing::read_file;
using tcplan::testing::TempDir;

constexpr const char* kSecretKey = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLEKEY";
constexpr const char* kSignature =
    "2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c";
constexpr const char* kSessionToken = "sess-token-0f9a8b7c6d5e";
constexpr const char* kLoginPassword = "Login-Pa55word!";
constexpr const char* kMetaPass = "MetaDb-Pa55!";
constexpr const char* kNestedSecretKey = "nested-secret-value-123";
constexpr const char* kEnvValue = "from-env-value-xyz";
constexpr const char* kClientToken = "run1-create-5f2a";

std::string request_payload() {
  return std::string(
             R"({"headers":{"Authorization":"TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2024-05-01/emr/tc3_request, SignedHeaders=content-type;host, Signature=)") +
         kSignature + R"(","X-TC-Token":")" + kSessionToken +
         R"(","X-TC-Action":"CreateInstance"},"body":{"ClientToken":")" + kClientToken +
         R"(","LoginSettings":{"Password":")" + kLoginPassword +
         R"("},"MetaDBInfo":{"MetaType":"USER_CUSTOM_META","MetaDataPass":")" + kMetaPass +
         R"("},"Extra":[{"Deep":{"SecretKey":")" + kNestedSecretKey + R"("}}],"Note":"user )" +
         kEnvValue + R"( here","Leak":")" + kSecretKey + R"("}})";
}

TEST(Redact, FieldNamesThatSaySecret) {
  for (const char* name : {"Password", "MetaDataPass", "SecretKey", "SecretId", "X-TC-Token",
                           "Token", "privateKey", "passwd", "Signature"}) {
    EXPECT_TRUE(is_secret_field_name(name)) << name;
  }
  for (const char* name : {"ClientToken", "TagKey", "InstanceId", "Region", "Authorization"}) {
    EXPECT_FALSE(is_secret_field_name(name)) << name;
  }
}

TEST(Redact, AuthorizationKeepsCredentialAndLosesSignature) {
  std::string v = std::string(
                      "TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2024-05-01/emr/tc3_request, "
                      "SignedHeaders=content-type;host, Signature=") +
                  kSignature;
  std::string r = redact_authorization(v);
  EXPECT_EQ(r,
            "TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2024-05-01/emr/tc3_request, "
            "SignedHeaders=content-type;host, Signature=[REDACTED]");
  EXPECT_EQ(redact_authorization("Bearer abc"), "[REDACTED]");
}

TEST(Redact, PayloadRecursivelyByNameAndByValue) {
  Redactor r;
  r.add_secret(kSecretKey);
  r.add_secret(kEnvValue);
  r.add_secret("ab");  // too short to redact meaningfully: ignored
  std::string out = r.redact_payload(request_payload());
  for (const char* secret : {kSecretKey, kSignature, kSessionToken, kLoginPassword, kMetaPass,
                             kNestedSecretKey, kEnvValue}) {
    EXPECT_EQ(out.find(secret), std::string::npos) << secret << " in " << out;
  }
  auto v = boost::json::parse(out).as_object();
  EXPECT_EQ(v["body"].as_object()["ClientToken"].as_string(), kClientToken);
  EXPECT_EQ(v["body"].as_object()["Note"].as_string(), "user [REDACTED] here");
  EXPECT_EQ(v["headers"].as_object()["X-TC-Action"].as_string(), "CreateInstance");
  EXPECT_NE(out.find("Credential=AKIDEXAMPLE/2024-05-01/emr/tc3_request"), std::string::npos);
  EXPECT_EQ(r.redact_payload("not json " + std::string(kSecretKey)),
            R"({"unparsed":"not json [REDACTED]"})");
}

TEST(Redact, WhatTheApiClientUsedToKeepItsOwnListFor) {
  // The client's old list missed pass/pwd/key/signature: one rule now covers them all.
  boost::json::value v = boost::json::parse(
      R"({"LoginSettings":{"Password":"hunter2-x","PublicKeyId":"skey-1"},"ClientToken":"keep-me",)"
      R"("MetaDBInfo":{"MetaDataPass":"meta-pw-1","MetaDataUser":"u"},"RootPwd":"root-pw-1",)"
      R"("Tags":[{"SecretToken":"x-tok-1","TagKey":"k","TagValue":"v"}],"InstanceId":"emr-1"})");
  Redactor r;
  r.redact_json(v);
  std::string out = boost::json::serialize(v);
  for (const char* gone : {"hunter2-x", "meta-pw-1", "root-pw-1", "x-tok-1"}) {
    EXPECT_EQ(out.find(gone), std::string::npos) << gone << " in " << out;
  }
  for (const char* kept : {"keep-me", "\"TagKey\":\"k\"", "emr-1", "\"MetaDataUser\":\"u\""}) {
    EXPECT_NE(out.find(kept), std::string::npos) << kept << " in " << out;
  }
  EXPECT_EQ(r.redact_header("X-TC-Token", "tok"), "[REDACTED]");
  EXPECT_EQ(r.redact_header("Authorization",
                            "TC3-HMAC-SHA256 Credential=A/d/emr/tc3_request, "
                            "SignedHeaders=host, Signature=abc"),
            "TC3-HMAC-SHA256 Credential=A/d/emr/tc3_request, SignedHeaders=host, "
            "Signature=[REDACTED]");
  EXPECT_EQ(r.redact_header("X-TC-Action", "RunInstances"), "RunInstances");
}

// Values are registered while other threads redact (the executor's workers record while a
// step registers its ${env.X} values): no race, and every value registered before a redact
// call started is gone from its output. ThreadSanitizer runs this too.
TEST(Redact, RegisteringWhileOtherThreadsRedactIsSafe) {
  Redactor r;
  constexpr int kValues = 200;
  std::atomic<int> registered{0};
  std::atomic<bool> leaked{false};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (registered.load() < kValues) {
        int known = registered.load();
        if (known == 0) continue;
        std::string value = "registered-value-" + std::to_string(known - 1);
        std::string text = R"({"Note":"x )" + value + R"( y"})";
        if (r.redact_payload(text).find(value) != std::string::npos) leaked = true;
        boost::json::value v = boost::json::parse(text);
        r.redact_json(v);
        if (boost::json::serialize(v).find(value) != std::string::npos) leaked = true;
      }
    });
  }
  for (int i = 0; i < kValues; ++i) {
    r.add_secret("registered-value-" + std::to_string(i));
    registered = i + 1;
  }
  for (auto& t : readers)
    t.join();
  EXPECT_FALSE(leaked.load());
  EXPECT_EQ(r.secret_count(), static_cast<size_t>(kValues));
}

TEST(Redact, ControlCharactersAreEscapedForTerminals) {
  struct Case {
    std::string in, out;
  };
  const Case cases[] = {
      {"plain text", "plain text"},
      {"a\x1b[31mred\x1b[0m", "a\\x1b[31mred\\x1b[0m"},
      {"line\nbreak\r\ttab", "line\\nbreak\\r\\ttab"},
      {std::string("nul\0x", 5), "nul\\x00x"},
      {"del\x7f", "del\\x7f"},
      {"csi\xc2\x9b"
       "2J",
       "csi\\u009b2J"},
      {"中文 ok", "中文 ok"},
  };
  for (const auto& c : cases)
    EXPECT_EQ(base::escape_control(c.in), c.out) << c.out;
  EXPECT_EQ(base::escape_control("a\nb", /*keep_newlines=*/true), "a\nb");
}

TEST(Redact, CsvCellsThatWouldRunAsFormulasAreNeutralised) {
  for (const char* bad : {"=1+1", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"}) {
    EXPECT_EQ(neutralise_csv_text(bad), std::string("'") + bad) << bad;
  }
  for (const char* ok : {"emr-1", "RequestLimitExceeded", "", "a=b"}) {
    EXPECT_EQ(neutralise_csv_text(ok), ok);
  }
  std::vector<Event> events;
  Event e = make(EventKind::kResponseReceived, "run", "step");
  e.error_code = "=HYPERLINK(\"http://x\")";
  e.request_id = "+cmd";
  e.http_status = 400;
  e.latency_us = -1;
  events.push_back(e);
  std::string csv = to_csv(events);
  EXPECT_NE(csv.find(",\"'=HYPERLINK(\"\"http://x\"\")\","), std::string::npos) << csv;
  EXPECT_NE(csv.find(",'+cmd,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",-1,"), std::string::npos) << "numbers stay numbers: " << csv;
}

// The acceptance check: read the raw DB and WAL bytes, the exports and the report.
TEST(Redact, SecretsAreAbsentFromDbBytesExportsAndReport) {
  TempDir dir;
  std::vector<Event> events;
  {
    auto store = open_store(dir / "a.db");
    store->redactor().add_secret(kSecretKey);
    store->redactor().add_secret(kEnvValue);
    Event e = make(EventKind::kRequestSent, "run1", "create", request_payload());
    e.client_token = kClientToken;
    e.action = "CreateInstance";
    ASSERT_TRUE(store->append(e));
    Event err = make(EventKind::kTransportError, "run1", "create",
                     std::string(R"({"error":"connect failed for secret )") + kSecretKey + "\"}");
    err.action = "CreateInstance";
    err.error_code = std::string("ClientError.NetworkError ") + kEnvValue;
    ASSERT_TRUE(store->append(err));
    auto all = store->query({});
    ASSERT_TRUE(all);
    events = *all;
    // Checked while the WAL still holds the rows (no checkpoint yet), then again after close.
    std::string wal = read_file(dir / "a.db-wal");
    ASSERT_FALSE(wal.empty());
    ASSERT_NE(wal.find(kClientToken), std::string::npos) << "the WAL holds the rows";
    for (const char* secret : {kSecretKey, kSignature, kSessionToken, kLoginPassword, kMetaPass,
                               kNestedSecretKey, kEnvValue}) {
      EXPECT_EQ(wal.find(secret), std::string::npos) << secret;
    }
  }
  std::string bytes = read_file(dir / "a.db");
  if (std::filesystem::exists(dir / "a.db-wal")) bytes += read_file(dir / "a.db-wal");
  ASSERT_NE(bytes.find(kClientToken), std::string::npos);
  VerifyReport chain;
  std::vector<std::string> outputs = {bytes, to_jsonl(events), to_csv(events),
                                      render_html_report(project_run(events), events, chain)};
  for (const auto& out : outputs) {
    EXPECT_NE(out.find(kClientToken), std::string::npos);
    for (const char* secret : {kSecretKey, kSignature, kSessionToken, kLoginPassword, kMetaPass,
                               kNestedSecretKey, kEnvValue}) {
      EXPECT_EQ(out.find(secret), std::string::npos) << secret;
    }
  }
}

}  // namespace redact_test
}  // namespace tcplan::audit::testing
