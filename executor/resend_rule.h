// The re-send rule: what to do with a step whose earlier attempt may have taken effect — send
// (again), read the cloud first, adopt what the read found, send only what is missing, or give
// up saying exactly what may have happened. A pure function of the action, the attempts
// recorded so far, the ClientToken's age and the read's result, called on every path into a
// send: a retry in this process, the resume of an interrupted run and the resume of a failed
// run. docs/executor.md has it as a table; tests/executor/resend_rule_test.cc checks it for
// every mutating action of the catalog.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api_error.h"

namespace tcplan::executor {

// How one attempt ended, as far as its effect goes.
enum class AttemptOutcome {
  kAnswered,     // a successful answer: it took effect
  kRefused,      // a definite error answer, or it never left: nothing happened
  kServerError,  // 5xx or InternalError: the server may have done part of the work
  kLost,         // it left and no answer came (timeout, reset, dropped): it reached the cloud
  kUnanswered,   // the process died with it in flight: it may not even have left
};

// A failed attempt's outcome, from the error the client returned or the trail recorded.
AttemptOutcome attempt_outcome(const api::ApiError& error);
bool uncertain(AttemptOutcome outcome);

// What a read of the cloud showed about a request's effect.
enum class ReadVerdict {
  kApplied,     // the effect is there
  kAbsent,      // it is not there, and would be if the request had taken effect
  kPartial,     // part of it is there (CVM/ECM TerminateInstances: some still running)
  kNotVisible,  // not there now, but an effect that has already ended looks the same
  kUnknown,     // the read failed or cannot decide (the cluster is busy with something else)
};

// What tcplan knows about an action, for this rule.
struct ActionFacts {
  bool mutating = true;       // unknown actions count as mutating
  bool client_token = false;  // the cloud answers a repeated token with the first result
  bool readable = false;      // tcplan has a read that shows the effect
  bool fades = false;         // that read sees the effect only while it lasts (a restart)
  std::string read;           // the read, for messages: "DescribeInstances by tcplan tags"
};

// From the catalog and the reads runner_reconcile.cc knows. `params` matters only where the
// read depends on the request (ModifyResourceScheduleConfig's Key).
ActionFacts action_facts(std::string_view service, std::string_view action,
                         const boost::json::object& params = {});

// The cloud keeps a ClientToken for 5 minutes of its clock after the first successful call.
// A re-send is trusted to arrive inside that only up to this age (cloud time): 5 minutes less a
// margin of 30 s of the cloud's time and never less than 2 s of ours (transit, retries and
// skew happen in real time; at a high --time-scale a token is never trusted for a re-send).
std::chrono::milliseconds token_trust_window(double time_scale);

// A read made within this much cloud time after an uncertain attempt would still see an
// effect that fades (a rolling restart keeps the cluster at status 8 for minutes).
inline constexpr std::chrono::milliseconds kFadeWindow{30'000};

struct ResendFacts {
  ActionFacts action;
  std::vector<AttemptOutcome> attempts;  // every attempt so far, earlier processes included
  // Cloud time since the ClientToken's clock started, when this process can bound it: since
  // its first send in this process, or since a read in this process found nothing. Unknown
  // (nullopt) when an earlier process sent it: the gap between processes cannot be bounded.
  std::optional<std::chrono::milliseconds> token_age;
  double time_scale = 1.0;
  std::optional<ReadVerdict> read;  // set once the read was made
  bool read_soon_after = false;     // in this process, within kFadeWindow of the last attempt
};

enum class Resend {
  kSend,      // send (again)
  kRead,      // read the cloud first, then ask again with the result
  kAdopt,     // it took effect: carry on as if the answer had arrived
  kSendRest,  // part took effect: send only the rest
  kFail,      // cannot tell and must not guess: fail the step, saying why
};

struct ResendDecision {
  Resend action = Resend::kSend;
  std::string why;  // for --explain and the `reconciled` event
};

ResendDecision decide_resend(const ResendFacts& facts);

std::string_view to_string(AttemptOutcome outcome);
std::string_view to_string(ReadVerdict verdict);
std::string_view to_string(Resend action);

}  // namespace tcplan::executor
