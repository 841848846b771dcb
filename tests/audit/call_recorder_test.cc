// The api call hook's audit side: the request event is committed (and redacted) before
// before_send returns, the outcome right after; a transport failure is recorded as such.
#include "audit/call_recorder.h"

#include <gtest/gtest.h>

#include "audit/projection.h"
#include "tests/audit/fixture.h"

namespace tcplan::audit::testing {
namespace {

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

}  // namespace
}  // namespace tcplan::audit::testing
