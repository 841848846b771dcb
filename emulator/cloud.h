// The seam between the emulator's HTTP front (server, signature checks, parameter checks,
// rate limits, faults) and its model of the cloud (state, actions, flows, prices). The front
// hands the model a verified, well-formed call; the model answers it as Tencent Cloud would.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <string>

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
};

}  // namespace tcplan::emulator
