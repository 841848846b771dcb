// Stable names of the event kinds (they are hashed into the chain: never rename one).
#include "audit/event.h"

#include <array>
#include <utility>

namespace tcplan::audit {
namespace {

constexpr std::array<std::pair<EventKind, std::string_view>, 22> kNames{{
    {EventKind::kRunStarted, "run_started"},
    {EventKind::kRunFinished, "run_finished"},
    {EventKind::kPlanDigest, "plan_digest"},
    {EventKind::kPreviewDigest, "preview_digest"},
    {EventKind::kApproved, "approved"},
    {EventKind::kRefused, "refused"},
    {EventKind::kStepStarted, "step_started"},
    {EventKind::kStepFinished, "step_finished"},
    {EventKind::kRequestSent, "request_sent"},
    {EventKind::kResponseReceived, "response_received"},
    {EventKind::kTransportError, "transport_error"},
    {EventKind::kRetryScheduled, "retry_scheduled"},
    {EventKind::kWaitPolled, "wait_polled"},
    {EventKind::kReconciled, "reconciled"},
    {EventKind::kSealed, "sealed"},
    {EventKind::kTrailRead, "trail_read"},
    {EventKind::kTrailExported, "trail_exported"},
    {EventKind::kLockAcquired, "lock_acquired"},
    {EventKind::kLockReleased, "lock_released"},
    {EventKind::kLeaseAcquired, "lease_acquired"},
    {EventKind::kLeaseTakenOver, "lease_taken_over"},
    {EventKind::kLeaseReleased, "lease_released"},
}};

}  // namespace

std::string_view kind_name(EventKind kind) {
  for (const auto& [k, name] : kNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::optional<EventKind> kind_from_name(std::string_view name) {
  for (const auto& [k, n] : kNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

}  // namespace tcplan::audit
