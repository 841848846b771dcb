// Shared between the Runner's implementation files (runner*.cc): the per-item state and the
// result of one call. Not part of the executor's interface.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "executor/runner.h"

namespace tcplan::executor {

namespace asio = boost::asio;
namespace json = boost::json;

// A moment on both clocks: the monotonic one does not move while the machine sleeps, the wall
// clock does; an age is the larger of the two.
struct Stamp {
  std::chrono::steady_clock::time_point steady = std::chrono::steady_clock::now();
  std::chrono::system_clock::time_point wall = std::chrono::system_clock::now();
  std::chrono::milliseconds age() const {
    auto s = std::chrono::steady_clock::now() - steady;
    auto w = std::chrono::system_clock::now() - wall;
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        std::max<std::chrono::nanoseconds>(s, w));
  }
};

struct Runner::Item {
  std::size_t node = 0;
  std::size_t index = 0;
  const planner::Step* step = nullptr;
  int item = -1;  // for_each index; -1 for an ordinary step
  const json::value* item_value = nullptr;
  EventContext ctx;
  ItemReport report;
  const ResumedItem* prior = nullptr;
  std::chrono::steady_clock::time_point started{}, deadline{};
  std::int64_t attempt = 0;  // the highest attempt number sent so far
  // Every attempt of this item and how it ended, earlier processes included: the re-send
  // rule's evidence.
  std::vector<AttemptOutcome> outcomes;
  // When the ClientToken's clock started in this process (its first send here, or a read here
  // that found nothing), and when this process last saw an attempt end without a clear answer.
  std::optional<Stamp> token_clock, last_uncertain;
  std::vector<std::string> selected;
  std::string last_state;  // wait fingerprint, to record changes only
};

struct Runner::CallResult {
  bool ok = false;
  bool interrupted = false;    // Ctrl-C while waiting to send or retry
  bool token_expired = false;  // not sent: its ClientToken could no longer be trusted by then
  // send(): the last attempt may have taken effect and the re-send rule says what next
  // (kRead: reconcile before any re-send; kFail: no read can tell; kSend: out of attempts).
  std::optional<ResendDecision> unknown;
  api::CallResponse response;
  api::ApiError error;
};

struct Runner::ListResult {
  bool ok = false;
  bool interrupted = false;
  api::ApiError error;
  json::array items;
};

// One cluster's status, as a batched DescribeInstances read found it.
struct Runner::StatusAnswer {
  bool ok = false;
  bool interrupted = false;
  api::ApiError error;   // when not ok
  bool listed = false;   // the cluster is in the ClusterList
  json::object cluster;  // its ClusterInstancesInfo when listed
};

// A read of one cluster's status waiting to join (or joined to) a batched call.
struct Runner::StatusWaiter {
  explicit StatusWaiter(asio::io_context& io, std::string id)
      : cluster(std::move(id)), wake(io, std::chrono::steady_clock::time_point::max()) {}
  std::string cluster;
  asio::steady_timer wake;  // cancelled when the answer is in
  bool done = false;
  StatusAnswer answer;
};

// What a reconcile read found.
struct Runner::ReadResult {
  ReadVerdict verdict = ReadVerdict::kUnknown;
  std::string reason;             // what the read saw, in words
  json::object evidence;          // the numbers behind it, for the `reconciled` event
  json::value outputs;            // kApplied: the fields the lost answer would have carried
  std::vector<std::string> rest;  // kPartial: the ids still to act on
  bool soon_after = false;        // made in this process within kFadeWindow of the attempt
};

// "ResourceInUse.InstanceInProcess: ... (RequestId ...)" or the transport failure.
inline std::string describe_error(const api::ApiError& e) {
  return e.to_string();
}

inline std::string string_param(const json::object& params, std::string_view key) {
  auto* v = params.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

inline std::vector<std::string> string_list(const json::object& params, std::string_view key) {
  std::vector<std::string> out;
  if (auto* v = params.if_contains(key); v && v->is_array()) {
    for (const auto& e : v->as_array()) {
      if (e.is_string()) out.emplace_back(e.as_string());
    }
  }
  return out;
}

// A step's detail when the cloud may or may not have applied its request: what, why it is
// unknown, and what happens next (a resume reads first, or nothing can tell).
inline std::string unknown_outcome(const BuiltRequest& b, const std::string& why, bool no_read) {
  std::string target = string_param(b.call.params, "InstanceId");
  std::string what = b.call.action + (target.empty() ? "" : " on " + target);
  if (no_read) {
    return "the cloud may or may not have applied " + what + ": " + why +
           "; it was not sent again: check it in the cloud before going on";
  }
  return "the cloud may or may not have applied " + what + " (" + why +
         "): `tcplan apply --resume` reads the cloud before sending it again";
}

}  // namespace tcplan::executor
