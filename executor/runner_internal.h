// Shared between the Runner's implementation files (runner*.cc): the per-item state and the
// result of one call. Not part of the executor's interface.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "executor/runner.h"

namespace tcplan::executor {

namespace asio = boost::asio;
namespace json = boost::json;

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
  std::int64_t attempt = 0;                            // the highest attempt number sent so far
  std::chrono::steady_clock::time_point first_send{};  // of the ClientToken
  bool sent_token = false;
  std::vector<std::string> selected;
  std::string last_state;  // wait fingerprint, to record changes only
};

struct Runner::CallResult {
  bool ok = false;
  bool ambiguous = false;      // may have taken effect: reconcile before any re-send
  bool interrupted = false;    // Ctrl-C while waiting to send or retry
  bool token_expired = false;  // not sent: its ClientToken could no longer be trusted by then
  api::CallResponse response;
  api::ApiError error;
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

}  // namespace tcplan::executor
