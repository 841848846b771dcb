// The re-send rule (executor/resend_rule.h), table-driven: for every mutating action of the
// catalog, in every situation an attempt can leave behind, whether tcplan sends, reads first,
// adopts what exists, sends only the rest, or fails saying why. A new mutating action in the
// catalog fails the first test until it has a row here (and a read, or a reason it has none).
#include "executor/resend_rule.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "api/catalog.h"

namespace tcplan::executor {
namespace resend_rule_test {

using std::chrono::milliseconds;
using std::chrono::seconds;
using O = AttemptOutcome;
using R = Resend;

struct Row {
  bool client_token, readable, fades;
  // Expected action per situation (see kSituations), one letter each:
  // S send, R read, A adopt, P send the rest, F fail.
  std::string expected;
};

// Situations, in the order of Row::expected.
struct Situation {
  const char* name;
  std::vector<O> attempts;
  std::optional<milliseconds> token_age;
  std::optional<ReadVerdict> read;
  bool soon_after = false;
};
const std::vector<Situation> kSituations = {
    {"never sent", {}, {}, {}},
    {"answered after a lost attempt", {O::kLost, O::kAnswered}, {}, {}},
    {"every attempt refused", {O::kRefused, O::kRefused}, seconds{10}, {}},
    {"lost 10 s ago in this process", {O::kLost}, seconds{10}, {}},
    {"lost 290 s ago in this process", {O::kLost}, seconds{290}, {}},
    {"lost in an earlier process", {O::kLost}, {}, {}},
    {"in flight when the process died", {O::kUnanswered}, {}, {}},
    {"5xx in an earlier process", {O::kServerError}, {}, {}},
    {"read: applied", {O::kLost}, {}, ReadVerdict::kApplied},
    {"read: absent", {O::kLost}, {}, ReadVerdict::kAbsent},
    {"read: unknown", {O::kLost}, {}, ReadVerdict::kUnknown},
};

// Every mutating action of api/catalog.json. Token actions re-send while the token is trusted
// and read after; the others always read; only a restart's effect fades from view.
const std::map<std::string, Row> kActions = {
    //                                   tok    read   fades  situations (above, in order)
    {"emr.CreateInstance", {true, true, false, "SASSRRRRASF"}},
    {"emr.CreateCluster", {true, true, false, "SASSRRRRASF"}},
    {"emr.ScaleOutInstance", {true, true, false, "SASSRRRRASF"}},
    {"emr.ScaleOutCluster", {true, true, false, "SASSRRRRASF"}},
    {"emr.TerminateTasks", {false, true, false, "SASRRRRRASF"}},
    {"emr.TerminateClusterNodes", {false, true, false, "SASRRRRRASF"}},
    {"emr.TerminateInstance", {false, true, false, "SASRRRRRASF"}},
    {"emr.StartStopServiceOrMonitor", {false, true, true, "SASRRRRRASF"}},
    {"emr.ModifyResourceScheduler", {false, true, false, "SASRRRRRASF"}},
    {"emr.ModifyResourceScheduleConfig", {false, true, false, "SASRRRRRASF"}},
    {"cvm.TerminateInstances", {false, true, false, "SASRRRRRASF"}},
    {"ecm.TerminateInstances", {false, true, false, "SASRRRRRASF"}},
};

char letter(Resend r) {
  switch (r) {
    case R::kSend:
      return 'S';
    case R::kRead:
      return 'R';
    case R::kAdopt:
      return 'A';
    case R::kSendRest:
      return 'P';
    case R::kFail:
      return 'F';
  }
  return '?';
}

boost::json::object params_for(const std::string& action) {
  // ModifyResourceScheduleConfig's read shows the fair and capacity configurations.
  if (action == "ModifyResourceScheduleConfig") return {{"Key", "fair"}};
  return {};
}

TEST(ResendRule, EveryMutatingActionOfTheCatalogHasARow) {
  int mutating = 0;
  for (const auto& spec : api::Catalog::builtin().actions()) {
    if (!spec.mutating) continue;
    ++mutating;
    const std::string key = spec.service + "." + spec.action;
    auto row = kActions.find(key);
    ASSERT_NE(row, kActions.end()) << key << " is mutating but has no re-send rule row";
    ActionFacts f = action_facts(spec.service, spec.action, params_for(spec.action));
    EXPECT_TRUE(f.mutating) << key;
    EXPECT_EQ(f.client_token, row->second.client_token) << key;
    EXPECT_EQ(f.readable, row->second.readable) << key;
    EXPECT_EQ(f.fades, row->second.fades) << key;
    EXPECT_EQ(f.readable, !f.read.empty()) << key << ": a read must say what it reads";
  }
  EXPECT_EQ(mutating, static_cast<int>(kActions.size())) << "a row names an unknown action";
}

TEST(ResendRule, ActionBySituation) {
  for (const auto& [key, row] : kActions) {
    const std::string service = key.substr(0, key.find('.'));
    const std::string action = key.substr(key.find('.') + 1);
    ASSERT_EQ(row.expected.size(), kSituations.size()) << key;
    for (std::size_t i = 0; i < kSituations.size(); ++i) {
      const Situation& s = kSituations[i];
      ResendFacts f;
      f.action = action_facts(service, action, params_for(action));
      f.attempts = s.attempts;
      f.token_age = s.token_age;
      f.time_scale = 1.0;
      f.read = s.read;
      f.read_soon_after = s.soon_after;
      const ResendDecision d = decide_resend(f);
      EXPECT_EQ(letter(d.action), row.expected[i]) << key << ", " << s.name << ": " << d.why;
      EXPECT_FALSE(d.why.empty()) << key << ", " << s.name;
    }
  }
}

TEST(ResendRule, AnEffectThatFadesIsAdoptedOnlyWhenAnAttemptReachedTheCloud) {
  ResendFacts f;
  f.action = action_facts("emr", "StartStopServiceOrMonitor");
  f.read = ReadVerdict::kNotVisible;
  // The answer was lost on the way back: it ran, and its flow has ended since.
  f.attempts = {O::kLost};
  EXPECT_EQ(decide_resend(f).action, R::kAdopt);
  // Read right after the attempt in this process: a restart would still be showing.
  f.read_soon_after = true;
  EXPECT_EQ(decide_resend(f).action, R::kSend);
  f.read_soon_after = false;
  // The process died before the answer: the request may never have left.
  f.attempts = {O::kUnanswered};
  EXPECT_EQ(decide_resend(f).action, R::kSend);
  // A 5xx: the server answered it failed; nothing says it ran.
  f.attempts = {O::kServerError};
  EXPECT_EQ(decide_resend(f).action, R::kSend);
}

TEST(ResendRule, APartlyDoneTerminationSendsTheRest) {
  for (const char* service : {"cvm", "ecm"}) {
    ResendFacts f;
    f.action = action_facts(service, "TerminateInstances");
    f.attempts = {O::kLost};
    f.read = ReadVerdict::kPartial;
    EXPECT_EQ(decide_resend(f).action, R::kSendRest) << service;
  }
}

TEST(ResendRule, ActionsWithoutAReadFailSayingSo) {
  // DescribeResourceSchedule does not show fairPlan; an unknown `call` action has no read.
  for (auto [service, action, params] :
       {std::tuple{"emr", "ModifyResourceScheduleConfig", boost::json::object{{"Key", "fairPlan"}}},
        std::tuple{"emr", "ModifyAutoScaleStrategy", boost::json::object{}}}) {
    ResendFacts f;
    f.action = action_facts(service, action, params);
    EXPECT_FALSE(f.action.readable) << action;
    f.attempts = {O::kLost};
    ResendDecision d = decide_resend(f);
    EXPECT_EQ(d.action, R::kFail) << action;
    EXPECT_NE(d.why.find("no read"), std::string::npos) << d.why;
  }
}

TEST(ResendRule, ReadsAreSentAgainWhateverHappened) {
  ResendFacts f;
  f.action = action_facts("emr", "DescribeInstances");
  EXPECT_FALSE(f.action.mutating);
  f.attempts = {O::kLost, O::kUnanswered};
  EXPECT_EQ(decide_resend(f).action, R::kSend);
}

TEST(ResendRule, TheTokenIsTrustedFor5MinutesOfTheCloudsClockLessAMargin) {
  // 30 s of the cloud's time, and never under 2 s of ours.
  EXPECT_EQ(token_trust_window(1), milliseconds{270'000});
  EXPECT_EQ(token_trust_window(10), milliseconds{270'000});
  EXPECT_EQ(token_trust_window(60), milliseconds{180'000});
  EXPECT_EQ(token_trust_window(150), milliseconds{0});
  EXPECT_EQ(token_trust_window(10'000), milliseconds{0});

  ResendFacts f;
  f.action = action_facts("emr", "CreateInstance");
  f.attempts = {O::kLost};
  f.token_age = milliseconds{269'000};
  EXPECT_EQ(decide_resend(f).action, R::kSend);
  f.token_age = milliseconds{271'000};
  EXPECT_EQ(decide_resend(f).action, R::kRead);
  // At 10000x the cloud forgets a token within 30 ms of ours: never trusted for a re-send.
  f.time_scale = 10'000;
  f.token_age = milliseconds{0};
  EXPECT_EQ(decide_resend(f).action, R::kRead);
}

TEST(ResendRule, AttemptOutcomes) {
  auto outcome = [](std::string code, int http = 0, bool maybe_sent = false) {
    api::ApiError e;
    e.code = std::move(code);
    e.http_status = http;
    e.maybe_sent = maybe_sent;
    return attempt_outcome(e);
  };
  EXPECT_EQ(outcome(""), O::kAnswered);
  EXPECT_EQ(outcome("RequestLimitExceeded"), O::kRefused);
  EXPECT_EQ(outcome("ResourceInUse.InstanceInProcess"), O::kRefused);
  EXPECT_EQ(outcome("InvalidParameterValue"), O::kRefused);
  EXPECT_EQ(outcome(api::kNotSent), O::kRefused);
  EXPECT_EQ(outcome(api::kNetworkError, 0, false), O::kRefused);  // never connected
  EXPECT_EQ(outcome(api::kNetworkError, 0, true), O::kLost);      // reset after sending
  EXPECT_EQ(outcome(api::kTimeout, 0, true), O::kLost);
  EXPECT_EQ(outcome(api::kParseJson, 200), O::kLost);
  EXPECT_EQ(outcome(api::kHttpStatus, 503), O::kServerError);
  EXPECT_EQ(outcome("InternalError"), O::kServerError);
  EXPECT_EQ(outcome("FailedOperation.DuplicateOrderNotAllowed"), O::kLost);
  EXPECT_TRUE(uncertain(O::kUnanswered));
  EXPECT_FALSE(uncertain(O::kRefused));
  EXPECT_FALSE(uncertain(O::kAnswered));
}

}  // namespace resend_rule_test
}  // namespace tcplan::executor
