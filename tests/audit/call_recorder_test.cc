// The api call hook's audit side: the request event is committed (and redacted) before
// before_send returns, the outcome right after; a transport failure is recorded as such. The
// event shapes are the one shape every writer uses (the executor's journal included), and
// `tcplan call` records its call as a sealed run of its own, or does not send it.
#include "audit/call_recorder.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "audit/projection.h"
#include "tests/audit/fixture.h"
#include "tests/executor/e2e.h"

namespace tcplan::audit::testing {
namespace call_recorder_test {

using tcplan::testing::TempDir;

api::Attempt attempt() {
  api::Attempt a;
  a.service = "emr";
  a.action = "ScaleOutInstance";
  a.version = "2019-01-03";
  a.region = "ap-guangzhou";
  a.url = "http://127.0.0.1:9/";
  a.headers = {{"Authorization",
                "TC3-HMAC-SHA256 Credential=AKIDX/2024-05-01/emr/tc3_request, "
                "SignedHeaders=content-type;host, Signature=feedface0123"},
               {"X-TC-Token", "session-token-value"}};
  a.body = R"({"InstanceId":"emr-1","ClientToken":"ct-1","LoginSettings":{"Password":"pw-12345"}})";
  a.client_token = "ct-1";
  return a;
}

TEST(CallRecorder, RequestIsStoredBeforeSendAndResponseAfter) {
  TempDir dir;
  auto store = open_store(dir / "a.db");
  CallRecorder rec(*store, {"run-1", "scale", "", 1});
  auto a = attempt();
  ASSERT_TRUE(rec.before_send(a));
  ASSERT_TRUE(rec.request_event());
  auto stored = store->run_events("run-1");
  ASSERT_TRUE(stored);
  ASSERT_EQ(stored->size(), 1u) << "committed before the send";
  const std::string& p = stored->at(0).payload;
  EXPECT_EQ(p.find("feedface0123"), std::string::npos);
  EXPECT_EQ(p.find("session-token-value"), std::string::npos);
  EXPECT_EQ(p.find("pw-12345"), std::string::npos);
  EXPECT_NE(p.find("\"ClientToken\":\"ct-1\""), std::string::npos) << p;
  EXPECT_EQ(stored->at(0).client_token, "ct-1");

  api::Outcome o;
  o.http_status = 200;
  o.body = R"({"Response":{"FlowId":77,"RequestId":"rid-1"}})";
  o.request_id = "rid-1";
  o.latency_ms = 12.5;
  rec.after_receive(a, o);
  ASSERT_FALSE(rec.record_error());
  auto run = load_run(*store, "run-1");
  ASSERT_TRUE(run);
  const StepState* s = run->step("scale");
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->calls.size(), 1u);
  EXPECT_FALSE(s->in_flight());
  EXPECT_EQ(s->calls[0].request_id, "rid-1");
  EXPECT_EQ(s->calls[0].latency_us, 12500);
  EXPECT_EQ(s->flow_ids, std::vector<std::string>{"77"});
}

TEST(CallRecorder, TransportFailureIsRecordedAndAppendFailureCancelsTheSend) {
  TempDir dir;
  auto store = open_store(dir / "a.db");
  CallRecorder rec(*store, {"run-1", "scale", "", 2});
  auto a = attempt();
  ASSERT_TRUE(rec.before_send(a));
  api::Outcome o;
  o.error_code = "ClientError.NetworkError";
  o.error_message = "connection reset";
  o.maybe_sent = true;
  rec.after_receive(a, o);
  ASSERT_TRUE(rec.response_event());
  EXPECT_EQ(rec.response_event()->kind, EventKind::kTransportError);
  EXPECT_NE(rec.response_event()->payload.find("\"maybe_sent\":true"), std::string::npos);

  // A trail that cannot be written must stop the request from leaving.
  RawDb raw(dir / "a.db");
  raw.exec("CREATE TRIGGER refuse BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'full'); END;");
  CallRecorder blocked(*store, {"run-1", "scale", "", 3});
  auto status = blocked.before_send(a);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("before sending"), std::string::npos);
}

std::vector<std::string> keys_of(const std::string& payload) {
  std::vector<std::string> out;
  boost::json::value v = boost::json::parse(payload);
  for (const auto& kv : v.as_object())
    out.emplace_back(kv.key());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(CallEvents, OneShapeForRequestsResponsesAndTransportErrors) {
  auto a = attempt();
  a.sent_at = std::chrono::system_clock::time_point(std::chrono::milliseconds(1714564800123));
  Event req = request_event({"run-1", "scale", "item-0", 3}, a);
  EXPECT_EQ(req.kind, EventKind::kRequestSent);
  EXPECT_EQ(req.time_ms, 1714564800123);
  EXPECT_EQ(req.run_id, "run-1");
  EXPECT_EQ(req.item, "item-0");
  EXPECT_EQ(req.attempt, 3);
  EXPECT_EQ(req.client_token, "ct-1");
  EXPECT_EQ(req.endpoint, a.url);
  EXPECT_EQ(keys_of(req.payload), (std::vector<std::string>{"body", "headers", "url"}));
  EXPECT_EQ(req.payload.find("feedface0123"), std::string::npos) << "signature redacted";
  EXPECT_EQ(req.payload.find("session-token-value"), std::string::npos);

  api::Outcome ok;
  ok.http_status = 200;
  ok.body = R"({"Response":{"RequestId":"r"}})";
  ok.request_id = "r";
  ok.latency_ms = 1.5;
  Event resp = response_event({"run-1", "scale", "", 1}, a, ok);
  EXPECT_EQ(resp.kind, EventKind::kResponseReceived);
  EXPECT_EQ(resp.latency_us, 1500);
  EXPECT_EQ(keys_of(resp.payload), (std::vector<std::string>{"body"}));

  api::Outcome lost;
  lost.error_code = "ClientError.NetworkError";
  lost.error_message = "reset";
  lost.maybe_sent = true;
  Event err = response_event({"run-1", "scale", "", 1}, a, lost);
  EXPECT_EQ(err.kind, EventKind::kTransportError);
  EXPECT_EQ(err.payload, R"({"error":"ClientError.NetworkError: reset","maybe_sent":true})");
}

TEST(CallCommandTrail, ACallIsASealedRunAndIsNotSentWhenItCannotBeRecorded) {
  using namespace tcplan::testing;
  using namespace tcplan::testing::e2e;
  LocalCloud cloud({});
  Bed bed;
  auto r = bed.tcplan(cloud, {"call", "emr", "DescribeInstances", "--params",
                              R"({"DisplayStrategy":"clusterList"})"});
  ASSERT_EQ(r.exit_code, 0) << dump(r);
  auto rows = export_rows(bed, cloud);
  std::vector<std::string> kinds;
  std::string run;
  for (const auto& row : rows) {
    if (row.kind() == "trail_exported" || row.kind() == "trail_read") continue;
    kinds.push_back(row.kind());
    run = row.str("run_id");
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"run_started", "request_sent", "response_received",
                                             "run_finished", "sealed"}));
  EXPECT_EQ(run.rfind("call-", 0), 0u) << run;
  auto verify = bed.tcplan(cloud, {"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << dump(verify);

  // A trail that cannot be opened: nothing is sent (no cluster appears).
  std::string params = R"({"ProductId":44,"Software":["hdfs-3.2.2"],"SupportHA":0,)"
                       R"("InstanceName":"not-sent-1","PayMode":0,"TimeUnit":"s","TimeSpan":3600,)"
                       R"("LoginSettings":{"PublicKeyId":"skey-1"},)"
                       R"("ResourceSpec":{"MasterCount":1,"CoreCount":2}})";
  auto before = count_state(cloud.state()).clusters;
  RunOptions o;
  o.cwd = bed.dir.path();
  // A file in a directory that does not exist, or a database without the tcplan tables (a
  // writer never creates them).
  const auto unopenable =
      testing_postgres() ? absent_store(bed.dir.path()) : bed.dir / "no-such-dir" / "a.db";
  auto refused = run_tcplan_against(cloud, unopenable,
                                    {"call", "emr", "CreateInstance", "--params", params}, o);
  EXPECT_EQ(refused.exit_code, 1) << dump(refused);
  EXPECT_NE(refused.err.find("nothing was sent"), std::string::npos) << refused.err;
  EXPECT_EQ(count_state(cloud.state()).clusters, before);
}

}  // namespace call_recorder_test
}  // namespace tcplan::audit::testing
