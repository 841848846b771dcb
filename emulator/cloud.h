// The seam between the emulator's HTTP front (server, signature checks, parameter checks,
// rate limits, faults) and its model of the cloud (state, actions, flows, prices). The front
// hands the model a verified, well-formed call; the model answers it as Tencent Cloud would.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace tcplan::emulator {

// A call that passed signature, version, action and parameter checks.
struct ApiCall {
  std::string service;  // "emr", "cvm", "ecm"
  std::string action;
  std::string version;
  std::string region;
  std::string secret_id;
  boost::json::object params;  // the request body
  std::string request_id;      // fresh for every request
  std::int64_t now_ms = 0;     // the emulator clock (Unix ms, time-scale and advances applied)
};

// What the model answers. On success `response` holds the action's output fields (the front
// adds RequestId and wraps it in {"Response": ...}); on failure `error_code` is set.
struct ApiReply {
  boost::json::object response;
  std::string error_code;
  std::string error_message;

  bool ok() const { return error_code.empty(); }
  static ApiReply error(std::string code, std::string message) {
    ApiReply r;
    r.error_code = std::move(code);
    r.error_message = std::move(message);
    return r;
  }
};

class Cloud {
 public:
  virtual ~Cloud() = default;
  // Thread-safe: the server calls it from several connections at once.
  virtual ApiReply handle(const ApiCall& call) = 0;
  // Whole state for GET /_emulator/state: clusters, nodes, flows, instances, and how many
  // resources each ClientToken created.
  virtual boost::json::value state_json(std::int64_t now_ms) = 0;

  // The emulator clock in Unix ms: wall time sped up by the time scale, plus any advances.
  // It is shared through the state file, so separate processes on one state agree on it.
  virtual std::int64_t now_ms() = 0;
  // Moves the clock forward (tests use this instead of sleeping).
  virtual void advance_clock(std::int64_t ms) = 0;
};

// A scripted flow outcome from the faults file: the Nth matching flow (or each with the given
// probability) ends with `outcome` (-1 failed, -3 blocked, 3 finished with skipped stages).
struct FlowFault {
  std::string action = "*";  // the action that starts the flow, or "*"
  std::int64_t nth = 0;      // 1-based; 0 = use probability
  double probability = 0.0;
  int outcome = -1;
  std::string failed_reason;  // StageDetails[].FailedReason for -1
};

struct CloudOptions {
  std::filesystem::path state_file;  // empty: in memory
  double time_scale = 1.0;           // durations are divided by this
  std::filesystem::path fixture_file;
  std::vector<FlowFault> flow_faults;
  std::uint64_t seed = 1;
};

// Throws std::runtime_error on fatal set-up problems (unreadable state file, bad fixture).
std::unique_ptr<Cloud> make_cloud(const CloudOptions& options);

}  // namespace tcplan::emulator
