// One row of the audit trail: what happened (kind), to what (run, step, item, attempt), on
// which API call (service/action/version/region/endpoint, RequestId, ClientToken, outcome),
// by whom (operator, tool version), and the redacted JSON payload. The chain fields are
// filled by EventStore::append; the canonical bytes that are hashed are specified in chain.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tcplan::audit {

// The kinds of event. The string names are stored in the DB, exported, and hashed: they are
// part of the chain format and never change once released (add new kinds at the end).
enum class EventKind {
  kRunStarted,        // payload: {"plan": path, "mode": "apply"|"call"|...}
  kRunFinished,       // payload: {"status": "succeeded"|"failed"|"interrupted"|"refused"}
  kPlanDigest,        // payload: {"plan_sha256": hex, "file": path}
  kPreviewDigest,     // payload: {"preview_sha256": hex, "steps": [{"step","original",...}]}
  kApproved,          // payload: {"plan_sha256", "preview_sha256", "by": "--yes"|"prompt"}
  kRefused,           // payload: {"reason": "window"|"budget"|"stale_plan"|..., "detail"}
  kStepStarted,       // payload: {"request_sha256": hex, "client_token": ...}
  kStepFinished,      // payload: {"status": "succeeded"|"failed"|"skipped", "outputs": {...}}
  kRequestSent,       // committed before the request leaves; payload: {"headers","body"}
  kResponseReceived,  // payload: {"headers", "body"}; http_status, request_id, error_code
  kTransportError,    // payload: {"error", "maybe_sent": bool}
  kRetryScheduled,    // payload: {"delay_ms", "reason"}
  kWaitPolled,        // state changes only; payload: {"flow_id"|"instance_id", "state"}
  kReconciled,        // resume decisions; payload: {"decision", "reason", "evidence"}
  kSealed,            // checkpoint: Ed25519 signature of the chain head (see seal.h)
  kTrailRead,         // verify/show/report read the trail; payload: {"command", "filters"}
  kTrailExported,     // export/pack; payload: {"format", "file_sha256", "filters"}
  kLockAcquired,      // item = lock name; payload: {"reason"}
  kLockReleased,      // item = lock name; payload: {"forced": bool}
  kLeaseAcquired,     // a process took the run's lease; payload: {"epoch","host","pid","started"}
  kLeaseTakenOver,    // ... from a dead owner; payload adds {"previous": {...}, "reason"}
  kLeaseReleased,     // the owner let go at the end; payload: {"epoch"}
};

std::string_view kind_name(EventKind kind);
std::optional<EventKind> kind_from_name(std::string_view name);

struct Event {
  std::int64_t seq = 0;      // assigned by append: 1, 2, 3, ... with no gaps across all runs
  std::int64_t time_ms = 0;  // UTC milliseconds since the Unix epoch; 0 = "now" at append
  EventKind kind = EventKind::kRunStarted;
  std::string run_id;
  std::string step_id;
  std::string item;  // one element of a fleet step (an instance id), or a lock name
  std::int64_t attempt = 0;
  std::string service, action, version, region, endpoint;
  std::string request_id, client_token, error_code;
  std::int64_t http_status = 0;
  std::int64_t latency_us = 0;
  std::string operator_user, operator_host;  // empty = filled from the OS at append
  std::string tool_version;                  // empty = this build's version at append
  std::string payload = "{}";                // JSON text, redacted before it is stored
  std::string prev_hash;                     // 64 lowercase hex digits, set by append
  std::string hash;                          // 64 lowercase hex digits, set by append
};

}  // namespace tcplan::audit
