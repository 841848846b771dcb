// ApiError: every failed call, whether the server answered with Response.Error or the
// request never got an answer (ClientError.* codes). classify() is the one place that
// decides what an error means for retries; nothing else string-matches error codes.
#pragma once

#include <string>

namespace tcplan::api {

struct ApiError {
  std::string code;        // "ResourceInUse.InstanceInProcess", "ClientError.Timeout", ...
  std::string message;     // server text or transport detail; never contains a secret
  std::string request_id;  // empty when no server answered
  int http_status = 0;     // 0 when no HTTP response was received
  // Transport failures only: whether the request may have left this process (a reset or
  // timeout after sending). False for DNS/connect/TLS failures and for server answers.
  bool maybe_sent = false;

  // Context, filled by the client so that every message names what failed.
  std::string service;
  std::string action;
  std::string region;

  // "ResourceInUse.InstanceInProcess: The instance is under workflow. (RequestId 4d70...)"
  std::string to_string() const;
};

// Client-side codes (the official SDKs use the same prefix).
inline constexpr const char* kNetworkError = "ClientError.NetworkError";
inline constexpr const char* kTimeout = "ClientError.Timeout";
inline constexpr const char* kHttpStatus = "ClientError.HttpStatus";
inline constexpr const char* kParseJson = "ClientError.ParseJson";
inline constexpr const char* kResponseTooLarge = "ClientError.ResponseTooLarge";
inline constexpr const char* kInvalidRequest = "ClientError.InvalidRequest";
// The call hook (CallObserver::before_send) refused the attempt, e.g. the audit trail could
// not record it: nothing was sent.
inline constexpr const char* kNotSent = "ClientError.NotSent";

enum class ErrorClass {
  kThrottled,  // RequestLimitExceeded*: back off and retry, always safe (nothing happened)
  kTransient,  // network, timeout, 5xx, InternalError*: retry only when a re-send is safe
  kBusy,       // ResourceInUse.*: wait for the running flow, then retry
  kPermanent,  // everything else: fail the step with the code, message and RequestId
};

ErrorClass classify(const ApiError& error);
const char* to_string(ErrorClass c);

// Whether the request may have taken effect on the server: true for transport failures
// after the request may have left (timeouts, resets, 5xx without a body), false when the
// server answered with a definite error or the request never left.
bool is_ambiguous(const ApiError& error);

// What the executor may do after `error` on an action (docs/executor.md, "Idempotency").
enum class Resend {
  kSafe,           // re-send (after the class's delay): it cannot create a second effect
  kAfterReadBack,  // the first attempt may have taken effect: read state, re-send only if absent
  kNever,          // permanent: re-sending cannot help
};

// `mutating`: the action changes state (ActionSpec::mutating; unknown actions count as
// mutating). `client_token_set`: the request carries a ClientToken the action honours.
// Throttled and busy errors were refused before anything happened, so they are always safe;
// a transient error is safe for reads, and for writes only when the request certainly did not
// take effect or a ClientToken makes the re-send idempotent.
Resend resend_decision(const ApiError& error, bool mutating, bool client_token_set);
inline bool resend_is_safe(const ApiError& error, bool mutating, bool client_token_set) {
  return resend_decision(error, mutating, client_token_set) == Resend::kSafe;
}
const char* to_string(Resend r);

// The server says this order was already submitted (FailedOperation.DuplicateOrderNotAllowed):
// not a failure to retry but a sign that an earlier attempt took effect; reconcile by reading.
bool is_duplicate_order(const ApiError& error);

}  // namespace tcplan::api
