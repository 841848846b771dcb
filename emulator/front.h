// The emulator's front: everything between an HTTP request and the model of the cloud. It
// checks a request in the cloud's order (method, size, Authorization, SecretId, timestamp
// skew, signature, version and action, rate limit, parameters), applies injected faults, calls
// Cloud::handle, and wraps the answer as {"Response": {..., "RequestId"}}. It owns no socket:
// the server (server.h) feeds it parsed requests, and tests may call it directly.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "emulator/cloud.h"
#include "emulator/faults.h"
#include "emulator/http_request.h"
#include "emulator/key_store.h"
#include "emulator/rate_limiter.h"
#include "emulator/sts.h"

namespace tcplan::emulator {

// Documented request size limits (docs/cloud-api.md, "Endpoints").
inline constexpr std::size_t kMaxGetBytes = 32 * 1024;
inline constexpr std::size_t kMaxV1PostBytes = 1024 * 1024;
inline constexpr std::size_t kMaxTc3PostBytes = 10 * 1024 * 1024;

struct FrontOptions {
  KeyStore keys;
  bool rate_limits = true;
  std::vector<FaultRule> faults;
  std::uint64_t seed = 1;
  // Real Unix seconds for the timestamp-skew check; empty: the system clock.
  std::function<std::int64_t()> wall_now_s;
  // Monotonic nanoseconds for the rate limiter; empty: steady_clock.
  RateLimiter::Clock steady_now_ns;
  // The secret every /_emulator/* control request must carry in kControlTokenHeader: they
  // read the whole state and move the clock, which no API caller may do. Empty: the control
  // paths answer 403 to everyone.
  std::string control_token;
};

inline constexpr const char* kControlTokenHeader = "x-emulator-token";

struct FrontReply {
  enum class Action {
    kRespond,  // send status + body
    kReset,    // abort the connection (TCP RST) without a response
    kDrop,     // close the connection without a response (after the call took effect)
  };
  Action action = Action::kRespond;
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::int64_t delay_ms = 0;  // hold the response (or the reset/drop) this long
  std::string date;           // a Date header (emulator time); empty: none
  bool close = false;         // close the connection after responding
};

class Front {
 public:
  Front(Cloud& cloud, FrontOptions options);
  ~Front();
  Front(const Front&) = delete;
  Front& operator=(const Front&) = delete;

  FrontReply handle(const HttpRequest& request);
  // The answer to a request the server could not read whole because its headers or body
  // were over the documented limits.
  FrontReply too_large();

  Cloud& cloud() { return cloud_; }

 private:
  FrontReply handle_control(const HttpRequest& request);
  FrontReply handle_api(const HttpRequest& request);
  FrontReply handle_sts(const HttpRequest& request, std::string_view action,
                        std::string_view version);

  Cloud& cloud_;
  FrontOptions options_;
  Sts sts_{options_.keys};  // issues temporary pairs into options_.keys
  RateLimiter limiter_;
  FaultInjector faults_;
  // API calls received per "service.Action", whatever their outcome (throttled, faulted,
  // answered): GET /_emulator/state shows them as "Received" so a test can compare what the
  // cloud saw with what the audit trail says was sent.
  std::mutex received_mu_;
  std::map<std::string, std::int64_t> received_;
};

// {"Response":{"Error":{"Code","Message"},"RequestId"}} exactly as given.
std::string error_json(std::string_view code, std::string_view message,
                       const std::string& request_id);
// The same with the documented message for
// `code` (the service's own wording where it has one), followed by `detail` if any.
std::string error_body(std::string_view service, std::string_view code, std::string_view detail,
                       const std::string& request_id);

}  // namespace tcplan::emulator
