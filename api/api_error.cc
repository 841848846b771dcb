#include "api/api_error.h"

#include <array>
#include <string_view>

namespace tcplan::api {
namespace {

// `code` is `family` or one of its sub-codes ("RequestLimitExceeded.UinLimitExceeded").
bool in_family(std::string_view code, std::string_view family) {
  return code.size() >= family.size() && code.substr(0, family.size()) == family &&
         (code.size() == family.size() || code[family.size()] == '.');
}

// Codes outside the ResourceInUse family that mean the same thing: another operation holds the
// resource, and the same request succeeds once it finishes. The UnsupportedOperation.InstanceState*
// ones are CVM's transitional states, which end on their own; the terminal states (Terminated,
// LaunchFailed, Freezing, Banning) and Terminating (already the effect a terminate wants) stay
// permanent.
constexpr std::array<std::string_view, 12> kBusyCodes = {
    "OperationDenied.InstanceOperationInProgress",
    "MutexOperation.TaskRunning",
    "InvalidParameter.ActionInProgress",
    "UnsupportedOperation.InstanceStatePending",
    "UnsupportedOperation.InstanceStateStarting",
    "UnsupportedOperation.InstanceStateStopping",
    "UnsupportedOperation.InstanceStateRebooting",
    "UnsupportedOperation.InstanceStateIsolating",
    "UnsupportedOperation.InstanceStateEnterRescueMode",
    "UnsupportedOperation.InstanceStateExitRescueMode",
    "UnsupportedOperation.InstanceStateEnterServiceLiveMigrate",
    "UnsupportedOperation.InstanceStateExitServiceLiveMigrate",
};

bool is_internal_error(std::string_view code) {
  return in_family(code, "InternalError") || in_family(code, "InternalServerError");
}

}  // namespace

std::string ApiError::to_string() const {
  std::string s = code;
  if (!message.empty()) s += ": " + message;
  if (!request_id.empty()) s += " (RequestId " + request_id + ")";
  return s;
}

ErrorClass classify(const ApiError& error) {
  std::string_view code = error.code;

  // Throttling: the request was refused before anything happened. Sub-codes
  // (UinLimitExceeded, IPLimitExceeded, GlobalRegionUinLimitExceeded) match by prefix, as the
  // Python SDK and Terraform do (the Go SDK's exact match misses them). A request backlog over
  // its limit is the same signal from EMR's queueing layer.
  if (in_family(code, "RequestLimitExceeded") ||
      code == "LimitExceeded.RequestBacklogExceedsLimit") {
    return ErrorClass::kThrottled;
  }

  if (in_family(code, "ResourceInUse") || in_family(code, "ResourceBusy")) return ErrorClass::kBusy;
  for (auto busy : kBusyCodes) {
    if (code == busy) return ErrorClass::kBusy;
  }

  if (code == kNetworkError || code == kTimeout || code == kParseJson)
    return ErrorClass::kTransient;
  if (code == kHttpStatus) {
    // A bare 429 (no JSON body) comes from a proxy or gateway rate limit.
    if (error.http_status == 429) return ErrorClass::kThrottled;
    return error.http_status >= 500 ? ErrorClass::kTransient : ErrorClass::kPermanent;
  }

  if (is_internal_error(code)) {
    // CheckQuotaErr is worded "CVM or CBS resources are insufficient, or the software is
    // invalid": a property of the request, which a retry cannot fix.
    if (code == "InternalError.CheckQuotaErr" || code == "InternalServerError.CheckQuotaErr") {
      return ErrorClass::kPermanent;
    }
    return ErrorClass::kTransient;
  }
  if (in_family(code, "ServiceUnavailable")) return ErrorClass::kTransient;
  // The common code ResourceUnavailable ("resource is unavailable") is what the backend says
  // while a dependency is temporarily down; Terraform's common retry list includes it. Its
  // sub-codes name a lasting reason (ResourceUnavailable.ResourceSpecNotDefaultSpec: the spec
  // is not offered), so they are permanent.
  if (code == "ResourceUnavailable") return ErrorClass::kTransient;

  // Everything else: the request is wrong, unauthorised, or names something that does not
  // exist (InvalidParameter*, MissingParameter, UnknownParameter, AuthFailure*,
  // UnauthorizedOperation*, ResourceNotFound*, LimitExceeded quotas, ResourcesSoldOut*,
  // ResourceInsufficient*). FailedOperation.DuplicateOrderNotAllowed is permanent too: it means
  // an earlier attempt already placed the order, so the executor reconciles
  // (is_duplicate_order) instead of re-sending. ClientError.ResponseTooLarge, InvalidRequest
  // and NotSent cannot get better by themselves.
  return ErrorClass::kPermanent;
}

const char* to_string(ErrorClass c) {
  switch (c) {
    case ErrorClass::kThrottled:
      return "throttled";
    case ErrorClass::kTransient:
      return "transient";
    case ErrorClass::kBusy:
      return "busy";
    case ErrorClass::kPermanent:
      return "permanent";
  }
  return "permanent";
}

bool is_ambiguous(const ApiError& error) {
  std::string_view code = error.code;
  // A timeout is reported only once the connection is up (connect timeouts are NetworkError):
  // the request may have been received and acted on.
  if (code == kTimeout) return true;
  // Resets after the request was written; DNS, connect and TLS failures never sent it.
  if (code == kNetworkError) return error.maybe_sent;
  // Something answered, just not with a readable API response.
  if (code == kParseJson || code == kResponseTooLarge) return true;
  if (code == kHttpStatus) return error.http_status >= 500 || error.http_status == 0;
  // kInvalidRequest and kNotSent: refused before sending. Any server Response.Error is a
  // definite answer.
  return false;
}

Resend resend_decision(const ApiError& error, bool mutating, bool client_token_set) {
  switch (classify(error)) {
    case ErrorClass::kThrottled:
    case ErrorClass::kBusy:
      return Resend::kSafe;
    case ErrorClass::kPermanent:
      return Resend::kNever;
    case ErrorClass::kTransient:
      break;
  }
  if (!mutating || client_token_set) return Resend::kSafe;
  // InternalError* is a server answer, so not "ambiguous" on the wire, but for a write it can
  // come from a backend that did part of the work ("order system abnormal"): read first.
  if (is_ambiguous(error) || is_internal_error(error.code)) return Resend::kAfterReadBack;
  return Resend::kSafe;
}

const char* to_string(Resend r) {
  switch (r) {
    case Resend::kSafe:
      return "safe";
    case Resend::kAfterReadBack:
      return "after-read-back";
    case Resend::kNever:
      return "never";
  }
  return "never";
}

bool is_duplicate_order(const ApiError& error) {
  return error.code == "FailedOperation.DuplicateOrderNotAllowed";
}

}  // namespace tcplan::api
