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

}  // namespace tcplan::api
