// Routing and request checks over loopback: one port for EMR, CVM and ECM; unknown actions
// and versions; methods; size limits; parameters checked against the catalog; RequestIds;
// keep-alive; the /_emulator control paths.
#include <gtest/gtest.h>

#include <set>

#include "tests/emulator/front_harness.h"

namespace tcplan::emulator::testing {
namespace front_routing_test {

TEST(FrontRouting, TheVersionPicksCvmOrEcmForAnIpLiteralHost) {
  Emulator emu;
  Call c;
  c.action = "TerminateInstances";
  c.body = R"({"InstanceIds":["ins-1"]})";
  c.version = "2017-03-12";
  ASSERT_EQ(emu.call(c).code(), "");
  c.version = "2019-07-19";
  c.body = R"({"InstanceIdSet":["ein-1"]})";
  ASSERT_EQ(emu.call(c).code(), "") << emu.call(c).body;
  auto calls = emu.cloud.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].service, "cvm");
  EXPECT_EQ(calls[1].service, "ecm");
}

TEST(FrontRouting, ANamedHostPicksTheService) {
  Emulator emu;
  Call c;
  c.host = "cvm.tencentcloudapi.com:" + std::to_string(emu.port());
  c.scope_service = "cvm";
  c.version = "2017-03-12";
  c.body = "{}";
  ASSERT_EQ(emu.call(c).code(), "");
  EXPECT_EQ(emu.cloud.calls().at(0).service, "cvm");
  // EMR's version on the CVM host: CVM has DescribeInstances, not in that version.
  c.version = "2019-01-03";
  EXPECT_EQ(emu.call(c).code(), "NoSuchVersion");
  // An EMR-only action on the CVM host.
  c.action = "ScaleOutInstance";
  c.version = "2017-03-12";
  EXPECT_EQ(emu.call(c).code(), "InvalidAction");
}

TEST(FrontRouting, UnknownActionAndWrongVersion) {
  Emulator emu;
  Call c;
  c.action = "DescribeEverything";
  EXPECT_EQ(emu.call(c).code(), "InvalidAction");
  c.action = "DescribeInstances";
  c.version = "2018-01-01";
  EXPECT_EQ(emu.call(c).code(), "NoSuchVersion");
  EXPECT_EQ(emu.cloud.call_count(), 0u);
}

TEST(FrontRouting, CvmRequiresARegion) {
  Emulator emu;
  Call c;
  c.version = "2017-03-12";
  c.body = "{}";
  c.region = "";
  Reply r = emu.call(c);
  EXPECT_EQ(r.code(), "MissingParameter");
  EXPECT_NE(r.message().find("Region"), std::string::npos);
  // EMR accepts a request without one (EMR API reference: "Region: No").
  Call emr;
  emr.region = "";
  EXPECT_EQ(emu.call(emr).code(), "");
}

TEST(FrontRouting, OnlyGetAndPostAreSupported) {
  Emulator emu;
  for (const char* method : {"PUT", "DELETE", "PATCH"}) {
    Call c;
    c.method = method;
    EXPECT_EQ(emu.call(c).code(), "UnsupportedProtocol") << method;
  }
}

TEST(FrontRouting, ParametersAreCheckedAgainstTheCatalog) {
  Emulator emu;
  Call c;
  c.body = "{}";
  Reply r = emu.call(c);
  EXPECT_EQ(r.code(), "MissingParameter");
  EXPECT_NE(r.message().find("DisplayStrategy"), std::string::npos);
  c.body = R"({"DisplayStrategy":"clusterList","Limitt":10})";
  r = emu.call(c);
  EXPECT_EQ(r.code(), "UnknownParameter");
  EXPECT_NE(r.message().find("Limitt"), std::string::npos);
  c.body = R"({"DisplayStrategy":"clusterList","Limit":"ten"})";
  r = emu.call(c);
  EXPECT_EQ(r.code(), "InvalidParameterValue");
  EXPECT_NE(r.message().find("Limit"), std::string::npos);
  c.body = R"({"DisplayStrategy":"clusterList","Limit":"10"})";  // the docs' own style
  EXPECT_EQ(emu.call(c).code(), "");
  c.body = "[1,2]";
  EXPECT_EQ(emu.call(c).code(), "InvalidParameter");
  EXPECT_EQ(emu.cloud.call_count(), 1u);
}

TEST(FrontRouting, ModelErrorsPassThroughWithTheirDocumentedMessage) {
  Emulator emu;
  emu.cloud.fail_with("ResourceInUse.InstanceInProcess");
  Reply r = emu.call(Call{});
  EXPECT_EQ(r.code(), "ResourceInUse.InstanceInProcess");
  EXPECT_FALSE(r.message().empty());
  EXPECT_TRUE(r.response().contains("RequestId"));
}

TEST(FrontRouting, EveryResponseHasAFreshRequestId) {
  Emulator emu;
  std::set<std::string> ids;
  Call bad;
  bad.secret_key = "wrong";
  for (int i = 0; i < 10; ++i) {
    Reply r = emu.call(i % 2 == 0 ? Call{} : bad);
    ASSERT_EQ(r.status, 200);
    ids.insert(json::value_to<std::string>(r.response().at("RequestId")));
  }
  EXPECT_EQ(ids.size(), 10u);
  EXPECT_EQ(ids.begin()->size(), 36u);
}

FrontOptions without_rate_limits() {
  FrontOptions options;
  options.rate_limits = false;
  return options;
}

TEST(FrontRouting, KeepAliveServesManyRequestsOnOneConnection) {
  Emulator emu(without_rate_limits());
  Connection conn(emu.port());
  for (int i = 0; i < 50; ++i) {
    Reply r = conn.send(sign(Call{}, emu.port()));
    ASSERT_FALSE(r.error) << r.error.message();
    ASSERT_EQ(r.code(), "");
  }
  EXPECT_EQ(emu.cloud.call_count(), 50u);
}

TEST(FrontRouting, ManyConcurrentConnections) {
  Emulator emu(without_rate_limits());
  constexpr int kThreads = 16, kEach = 20;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      Connection conn(emu.port());
      for (int i = 0; i < kEach; ++i) {
        if (conn.send(sign(Call{}, emu.port())).code().empty()) ++ok;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(ok.load(), kThreads * kEach);
  EXPECT_EQ(emu.cloud.call_count(), static_cast<std::size_t>(kThreads * kEach));
}

TEST(FrontRouting, ABodyOverTenMegabytesIsRefusedNotFatal) {
  Emulator emu;
  Call c;
  c.body = R"({"DisplayStrategy":")" + std::string(kMaxTc3PostBytes, 'x') + R"("})";
  Reply r = emu.call(c);
  EXPECT_EQ(r.code(), "RequestSizeLimitExceeded");
  // The server is still there.
  EXPECT_EQ(emu.call(Call{}).code(), "");
}

TEST(FrontRouting, AGetOverThirtyTwoKilobytesIsRefused) {
  Emulator emu;
  Call c;
  c.method = "GET";
  c.content_type = "application/x-www-form-urlencoded";
  c.query = "DisplayStrategy=clusterList&InstanceIds.0=" + std::string(kMaxGetBytes, 'a');
  EXPECT_EQ(emu.call(c).code(), "RequestSizeLimitExceeded");
  c.query = "DisplayStrategy=clusterList&InstanceIds.0=" + std::string(200 * 1024, 'a');
  EXPECT_EQ(emu.call(c).code(), "RequestSizeLimitExceeded");
  EXPECT_EQ(emu.call(Call{}).code(), "");
}

TEST(FrontRouting, AV1FormBodyOverOneMegabyteIsRefused) {
  Emulator emu;
  HttpRequest req;
  req.method = "POST";
  req.target = "/";
  req.headers = {{"host", "127.0.0.1"}, {"content-type", "application/x-www-form-urlencoded"}};
  req.body = "Signature=x&InstanceIds.0=" + std::string(kMaxV1PostBytes, 'a');
  EXPECT_EQ(emu.send(req).code(), "RequestSizeLimitExceeded");
}

TEST(FrontRouting, StateAndAdvanceControlPaths) {
  FrontOptions options;
  options.control_token = "test-control-token";
  Emulator emu(std::move(options));
  ASSERT_EQ(emu.call(Call{}).code(), "");
  HttpRequest advance;
  advance.method = "POST";
  advance.target = "/_emulator/advance?ms=90000";
  advance.headers = {{"host", "127.0.0.1"}, {kControlTokenHeader, "test-control-token"}};
  Reply r = emu.send(advance);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body).at("now_ms").as_int64(), FakeCloud::kStartMs + 90000);
  EXPECT_EQ(emu.cloud.now_ms(), FakeCloud::kStartMs + 90000);

  HttpRequest state;
  state.method = "GET";
  state.target = "/_emulator/state";
  state.headers = {{"host", "127.0.0.1"}, {kControlTokenHeader, "test-control-token"}};
  r = emu.send(state);
  ASSERT_EQ(r.status, 200);
  auto doc = json::parse(r.body).as_object();
  EXPECT_EQ(doc.at("calls").to_number<int>(), 1);
  EXPECT_EQ(doc.at("now_ms").as_int64(), FakeCloud::kStartMs + 90000);

  advance.target = "/_emulator/advance?ms=-5";
  EXPECT_EQ(emu.send(advance).status, 400);
  state.target = "/_emulator/nothing";
  EXPECT_EQ(emu.send(state).status, 404);
}

}  // namespace front_routing_test
}  // namespace tcplan::emulator::testing
