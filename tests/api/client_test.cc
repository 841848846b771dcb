// The API client against a loopback HTTP server: headers and signature as sent, response and
// error parsing, transport failures and their classification, the call hook, redaction, and
// connection reuse from several threads.
#include "api/client.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "tests/api/cloud_stub.h"
#include "tests/api/loopback_server.h"

namespace tcplan::api {
namespace client_test {

namespace json = boost::json;
using testing::LoopbackServer;
using testing::ServerReply;
using testing::ServerRequest;

constexpr const char* kId = "AKIDclientTest000000000000000000000";
constexpr const char* kKey = "client-test-secret-key-value";

Credentials creds(std::string token = "") {
  Credentials c;
  c.secret_id = kId;
  c.secret_key = kKey;
  c.token = std::move(token);
  return c;
}

ClientOptions options_for(const LoopbackServer& server) {
  ClientOptions o;
  o.endpoint = server.url();
  o.region = "ap-guangzhou";
  o.connect_timeout = std::chrono::milliseconds(5000);
  o.total_timeout = std::chrono::milliseconds(10000);
  return o;
}

CallRequest describe(json::object params = {}) {
  CallRequest r;
  r.service = "emr";
  r.action = "DescribeInstances";
  r.params = std::move(params);
  return r;
}

LoopbackServer::Handler cloud() {
  return [](const ServerRequest& r) { return testing::cloud_reply(r, kId, kKey); };
}

TEST(Client, SendsSignedRequestWithAllHeaders) {
  LoopbackServer server(cloud());
  Client client(creds("session-token-xyz"), options_for(server));
  auto r = client.call(describe({{"DisplayStrategy", "clusterList"}, {"Name", "集群-测试"}}));
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->http_status, 200);
  EXPECT_FALSE(r->request_id.empty());
  EXPECT_EQ(r->response.at("Params").at("Name").as_string(), "集群-测试");

  auto got = server.received();
  ASSERT_EQ(got.size(), 1u);
  const auto& q = got[0];
  EXPECT_EQ(q.method, "POST");
  EXPECT_EQ(q.target, "/");
  EXPECT_EQ(q.header("content-type"), "application/json");
  EXPECT_EQ(q.header("host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(q.header("x-tc-action"), "DescribeInstances");
  EXPECT_EQ(q.header("x-tc-version"), "2019-01-03");
  EXPECT_EQ(q.header("x-tc-region"), "ap-guangzhou");
  EXPECT_EQ(q.header("x-tc-token"), "session-token-xyz");
  EXPECT_EQ(q.header("x-tc-requestclient"), std::string("tcplan/") + TCPLAN_VERSION);
  EXPECT_FALSE(q.header("x-tc-timestamp").empty());
  // The credential scope names the real service even though the host is 127.0.0.1.
  EXPECT_NE(q.header("authorization").find("/emr/tc3_request, SignedHeaders=content-type;host"),
            std::string::npos)
      << q.header("authorization");
  EXPECT_NE(q.header("accept-encoding").find("gzip"), std::string::npos);
  // The body is raw UTF-8, exactly the bytes that were hashed.
  EXPECT_NE(q.body.find("集群-测试"), std::string::npos);
}

TEST(Client, WrongKeyGivesSignatureFailureWithRequestId) {
  LoopbackServer server(cloud());
  Credentials bad = creds();
  bad.secret_key = "not-the-right-key";
  Client client(bad, options_for(server));
  auto r = client.call(describe());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "AuthFailure.SignatureFailure");
  EXPECT_FALSE(r.error().request_id.empty());
  EXPECT_EQ(r.error().http_status, 200);
  EXPECT_EQ(r.error().service, "emr");
  EXPECT_EQ(r.error().action, "DescribeInstances");
  EXPECT_EQ(r.error().region, "ap-guangzhou");
  EXPECT_EQ(r.error().to_string().find("not-the-right-key"), std::string::npos);
  EXPECT_EQ(classify(r.error()), ErrorClass::kPermanent);
}

TEST(Client, EveryAttemptIsSignedAfresh) {
  LoopbackServer server(cloud());
  ClientOptions o = options_for(server);
  std::int64_t base = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::atomic<int> tick{0};
  o.now_seconds = [&] { return base + tick++; };
  Client client(creds(), o);
  ASSERT_TRUE(client.call(describe()));
  ASSERT_TRUE(client.call(describe()));
  auto got = server.received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NE(got[0].header("x-tc-timestamp"), got[1].header("x-tc-timestamp"));
  EXPECT_NE(got[0].header("authorization"), got[1].header("authorization"));
}

TEST(Client, ServerErrorBecomesApiError) {
  LoopbackServer server([](const ServerRequest&) {
    return ServerReply::json(
        R"({"Response":{"Error":{"Code":"ResourceInUse.InstanceInProcess","Message":"The instance is under workflow."},"RequestId":"4d70"}})");
  });
  Client client(creds(), options_for(server));
  auto r = client.call(describe());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().to_string(),
            "ResourceInUse.InstanceInProcess: The instance is under workflow. (RequestId 4d70)");
  EXPECT_EQ(classify(r.error()), ErrorClass::kBusy);
  EXPECT_FALSE(is_ambiguous(r.error()));
}

TEST(Client, NonJsonBodiesAndStatuses) {
  std::string body;
  int status = 200;
  LoopbackServer server([&](const ServerRequest&) {
    auto reply = ServerReply::json(body, status);
    reply.content_type = "text/html";
    return reply;
  });
  Client client(creds(), options_for(server));

  body = "<html>gateway</html>";
  status = 200;
  auto r = client.call(describe());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kParseJson);
  EXPECT_TRUE(is_ambiguous(r.error()));

  status = 502;
  r = client.call(describe());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kHttpStatus);
  EXPECT_EQ(r.error().http_status, 502);
  EXPECT_EQ(classify(r.error()), ErrorClass::kTransient);
  EXPECT_TRUE(is_ambiguous(r.error()));

  body = R"({"Response":{"Error":{"Code":"InternalError","Message":"oops"},"RequestId":"r5"}})";
  status = 500;
  r = client.call(describe());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "InternalError") << "a JSON error body wins over the status";
  EXPECT_EQ(r.error().http_status, 500);

  body = R"({"NotResponse":1})";
  status = 200;
  r = client.call(describe());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kParseJson);
}

TEST(Client, ResponseOver16MiBIsRejected) {
  LoopbackServer server([](const ServerRequest&) {
    std::string big = R"({"Response":{"Blob":")" + std::string(kMaxResponseBytes, 'x') + R"("}})";
    return ServerReply::json(std::move(big));
  });
  Client client(creds(), options_for(server));
  auto r = client.call(describe());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kResponseTooLarge);
  EXPECT_TRUE(is_ambiguous(r.error()));
}

TEST(Client, SilentServerTimesOut) {
  LoopbackServer server([](const ServerRequest&) { return ServerReply::hang(); });
  ClientOptions o = options_for(server);
  o.total_timeout = std::chrono::milliseconds(300);
  Client client(creds(), o);
  auto r = client.call(describe());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kTimeout);
  EXPECT_TRUE(is_ambiguous(r.error()));
  EXPECT_EQ(classify(r.error()), ErrorClass::kTransient);
  EXPECT_EQ(server.requests(), 1);
}

TEST(Client, DroppedConnectionAfterSendIsAmbiguous) {
  LoopbackServer server([](const ServerRequest&) { return ServerReply::drop(); });
  CallRequest terminate;
  terminate.service = "emr";
  terminate.action = "TerminateInstance";
  terminate.params = {{"InstanceId", "emr-1"}};
  Client client(creds(), options_for(server));
  auto r = client.call(terminate);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kNetworkError);
  EXPECT_TRUE(r.error().maybe_sent);
  EXPECT_TRUE(is_ambiguous(r.error()));
  EXPECT_EQ(resend_decision(r.error(), true, false), Resend::kAfterReadBack);
  EXPECT_EQ(server.requests(), 1) << "a mutating request must not be re-sent by libcurl";
}

TEST(Client, ConnectionRefusedIsNotAmbiguous) {
  int port = 0;
  {
    LoopbackServer gone([](const ServerRequest&) { return ServerReply::json("{}"); });
    port = gone.port();
  }
  ClientOptions o;
  o.endpoint = "http://127.0.0.1:" + std::to_string(port) + "/";
  Client client(creds(), o);
  auto r = client.call(describe());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kNetworkError);
  EXPECT_FALSE(r.error().maybe_sent);
  EXPECT_FALSE(is_ambiguous(r.error()));
}

TEST(Client, PlainHttpOnlyToLoopback) {
  for (const char* url : {"http://example.com/", "http://10.0.0.1:8080/", "ftp://127.0.0.1/"}) {
    ClientOptions o;
    o.endpoint = url;
    Client client(creds(), o);
    auto r = client.call(describe());
    ASSERT_FALSE(r) << url;
    EXPECT_EQ(r.error().code, kInvalidRequest) << url;
    EXPECT_FALSE(is_ambiguous(r.error()));
  }
  for (const char* url : {"http://127.0.0.1:1/", "http://localhost:1/", "http://[::1]:1/"}) {
    auto p = parse_endpoint_url(url);
    ASSERT_TRUE(p) << url;
    EXPECT_TRUE(p->loopback) << url;
  }
  auto p = parse_endpoint_url("https://emr.ap-guangzhou.tencentcloudapi.com/");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->host_header, "emr.ap-guangzhou.tencentcloudapi.com");
  EXPECT_FALSE(p->loopback);
  p = parse_endpoint_url("https://emr.tencentcloudapi.com:443/");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->host_header, "emr.tencentcloudapi.com");
  p = parse_endpoint_url("http://127.0.0.1:8080");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->host_header, "127.0.0.1:8080");
  EXPECT_EQ(p->signed_host, "127.0.0.1");
}

TEST(Client, DefaultEndpointsAndVersions) {
  ClientOptions o;
  Client nearest(creds(), o);
  EXPECT_EQ(nearest.endpoint_for("emr", "ap-guangzhou"), "https://emr.tencentcloudapi.com/");
  EXPECT_EQ(nearest.endpoint_for("cvm", ""), "https://cvm.tencentcloudapi.com/");
  o.regional_host = true;
  Client regional(creds(), o);
  EXPECT_EQ(regional.endpoint_for("ecm", "ap-shanghai"),
            "https://ecm.ap-shanghai.tencentcloudapi.com/");
  ClientOptions bare;
  bare.endpoint = "emr.internal.example:8443";
  Client b(creds(), bare);
  EXPECT_EQ(b.endpoint_for("emr", ""), "https://emr.internal.example:8443/");

  EXPECT_EQ(Client::default_version("emr", "DescribeInstances"), "2019-01-03");
  EXPECT_EQ(Client::default_version("cvm", "TerminateInstances"), "2017-03-12");
  EXPECT_EQ(Client::default_version("ecm", "TerminateInstances"), "2019-07-19");
}

TEST(Client, ExplicitVersionAndRegionWin) {
  LoopbackServer server(cloud());
  Client client(creds(), options_for(server));
  CallRequest r = describe();
  r.version = "2020-01-01";
  r.region = "ap-beijing";
  ASSERT_TRUE(client.call(r));
  auto got = server.received();
  EXPECT_EQ(got.at(0).header("x-tc-version"), "2020-01-01");
  EXPECT_EQ(got.at(0).header("x-tc-region"), "ap-beijing");
}

class RecordingObserver : public CallObserver {
 public:
  base::Status<base::Error> before_send(const Attempt& a) override {
    std::lock_guard lock(mutex);
    attempts.push_back(a);
    if (refuse) return base::Error{"audit database is read-only"};
    return {};
  }
  void after_receive(const Attempt& a, const Outcome& o) override {
    std::lock_guard lock(mutex);
    outcomes.emplace_back(a, o);
  }
  std::mutex mutex;
  bool refuse = false;
  std::vector<Attempt> attempts;
  std::vector<std::pair<Attempt, Outcome>> outcomes;
};

TEST(Client, ObserverSeesEveryAttemptAndItsOutcome) {
  LoopbackServer server(cloud());
  Client client(creds("tok-secret"), options_for(server));
  RecordingObserver observer;
  CallRequest scale;
  scale.service = "emr";
  scale.action = "ScaleOutInstance";
  scale.params = {{"InstanceId", "emr-1"}, {"ClientToken", "tok-123"}};
  auto r = client.call(scale, &observer);
  ASSERT_TRUE(r) << r.error().to_string();
  ASSERT_EQ(observer.attempts.size(), 1u);
  ASSERT_EQ(observer.outcomes.size(), 1u);
  const Attempt& a = observer.attempts[0];
  EXPECT_EQ(a.service, "emr");
  EXPECT_EQ(a.action, "ScaleOutInstance");
  EXPECT_EQ(a.version, "2019-01-03");
  EXPECT_EQ(a.region, "ap-guangzhou");
  EXPECT_EQ(a.url, server.url());
  EXPECT_EQ(a.client_token, "tok-123");
  EXPECT_EQ(a.body, server.received().at(0).body);
  EXPECT_GT(a.timestamp, 0);
  const Outcome& o = observer.outcomes[0].second;
  EXPECT_EQ(o.http_status, 200);
  EXPECT_EQ(o.request_id, r->request_id);
  EXPECT_TRUE(o.error_code.empty());
  EXPECT_NE(o.body.find(r->request_id), std::string::npos);
  EXPECT_GE(o.latency_ms, 0.0);

  // Redaction keeps who/when/what-was-signed readable, drops the signature and the token.
  bool saw_auth = false;
  for (const auto& [name, value] : a.redacted_headers()) {
    if (name == "Authorization") {
      saw_auth = true;
      EXPECT_NE(value.find(std::string("Credential=") + kId), std::string::npos);
      EXPECT_NE(value.find("Signature=[REDACTED]"), std::string::npos) << value;
    }
    if (name == "X-TC-Token") {
      EXPECT_EQ(value, "[REDACTED]");
    }
    EXPECT_EQ(value.find("tok-secret"), std::string::npos);
  }
  EXPECT_TRUE(saw_auth);
}

TEST(Client, ObserverCanStopTheSend) {
  LoopbackServer server(cloud());
  Client client(creds(), options_for(server));
  RecordingObserver observer;
  observer.refuse = true;
  auto r = client.call(describe(), &observer);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kNotSent);
  EXPECT_NE(r.error().message.find("read-only"), std::string::npos);
  EXPECT_FALSE(is_ambiguous(r.error()));
  EXPECT_EQ(server.requests(), 0);
  EXPECT_TRUE(observer.outcomes.empty());
}

TEST(Client, DefaultObserverSeesTransportFailures) {
  LoopbackServer server([](const ServerRequest&) { return ServerReply::hang(); });
  ClientOptions o = options_for(server);
  o.total_timeout = std::chrono::milliseconds(200);
  Client client(creds(), o);
  auto observer = std::make_shared<RecordingObserver>();
  client.set_default_observer(observer);
  ASSERT_FALSE(client.call(describe()));
  ASSERT_EQ(observer->outcomes.size(), 1u);
  EXPECT_EQ(observer->outcomes[0].second.error_code, kTimeout);
  EXPECT_TRUE(observer->outcomes[0].second.maybe_sent);
  EXPECT_EQ(observer->outcomes[0].second.http_status, 0);
}

TEST(Client, ManyThreadsShareOneClientAndItsConnections) {
  LoopbackServer server(cloud());
  Client client(creds(), options_for(server));
  constexpr int kThreads = 6;
  constexpr int kCalls = 20;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        auto r = client.call(describe({{"Offset", t * 1000 + i}}));
        if (r && r->response.at("Params").at("Offset").to_number<int>() == t * 1000 + i) ++ok;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(ok.load(), kThreads * kCalls);
  EXPECT_EQ(server.requests(), kThreads * kCalls);
  // Keep-alive: at most one connection per concurrent caller, not one per call.
  EXPECT_LE(server.connections(), kThreads);
}

TEST(Client, MutatingCallsUseFreshConnections) {
  LoopbackServer server(cloud());
  Client client(creds(), options_for(server));
  CallRequest terminate;
  terminate.service = "emr";
  terminate.action = "TerminateInstance";
  terminate.params = {{"InstanceId", "emr-1"}};
  ASSERT_TRUE(client.call(describe()));
  ASSERT_TRUE(client.call(terminate));
  ASSERT_TRUE(client.call(terminate));
  EXPECT_EQ(server.connections(), 3);
}

}  // namespace client_test
}  // namespace tcplan::api
