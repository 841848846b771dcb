// The one shape of the trail's request and response events, and the audit side of the api
// client's call hook. request_event()/response_event() build the rows every writer appends —
// the executor's journal (apply, its preview reads) and CallRecorder (`tcplan call`) — so a
// reader (projection, resume, report) sees one shape whoever sent the call:
//   request_sent       payload {"url", "headers": {..redacted..}, "body": <parsed JSON or text>}
//   response_received  payload {"body": <parsed JSON or text>}; request_id, error_code,
//                      http_status and latency_us in their columns
//   transport_error    payload {"error": "<code>: <message>", "maybe_sent": bool}
// time_ms is when the request left (sent_at) or the answer came back (received_at).
#pragma once

#include <optional>
#include <string>

#include "api/client.h"
#include "audit/event_store.h"

namespace tcplan::audit {

struct CallContext {
  std::string run_id, step_id, item;
  std::int64_t attempt = 1;
};

Event request_event(const CallContext& context, const api::Attempt& attempt);
Event response_event(const CallContext& context, const api::Attempt& attempt,
                     const api::Outcome& outcome);

// A CallObserver that commits request_sent before the request leaves (an append failure
// cancels the send) and the outcome right after it returns.
class CallRecorder : public api::CallObserver {
 public:
  // `store` must outlive the recorder.
  CallRecorder(EventStore& store, CallContext context)
      : store_(store), context_(std::move(context)) {}

  base::Status<base::Error> before_send(const api::Attempt& attempt) override;
  void after_receive(const api::Attempt& attempt, const api::Outcome& outcome) override;

  // The events as stored (redacted), and an error if recording the outcome failed: the
  // caller must then stop, since the trail no longer matches what happened.
  const std::optional<Event>& request_event() const { return request_; }
  const std::optional<Event>& response_event() const { return response_; }
  const std::optional<base::Error>& record_error() const { return error_; }

 private:
  EventStore& store_;
  CallContext context_;
  std::optional<Event> request_, response_;
  std::optional<base::Error> error_;
};

}  // namespace tcplan::audit
