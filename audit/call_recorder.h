// The audit side of the api client's call hook: a CallObserver that records each attempt as
// a request_sent event committed before the request leaves (an append failure cancels the
// send), and the outcome as response_received or transport_error right after it returns.
// Nothing outside its test uses it today: the executor records attempts through its own
// observer (Journal::observe, executor/journal.h), which writes the same events.
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
