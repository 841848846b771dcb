// Request/response event shapes and the call recorder (see call_recorder.h).
#include "audit/call_recorder.h"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>

namespace tcplan::audit {
namespace {

// Bodies are stored parsed, so the name-based redaction sees every field; a body that is
// not JSON is kept as text (value-based redaction still applies).
boost::json::value body_value(const std::string& body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec) return boost::json::value(body);
  return v;
}

std::int64_t epoch_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

Event call_event(const CallContext& c, const api::Attempt& a, EventKind kind) {
  Event e;
  e.kind = kind;
  e.run_id = c.run_id;
  e.step_id = c.step_id;
  e.item = c.item;
  e.attempt = c.attempt;
  e.service = a.service;
  e.action = a.action;
  e.version = a.version;
  e.region = a.region;
  e.endpoint = a.url;
  e.client_token = a.client_token;
  return e;
}

}  // namespace

Event request_event(const CallContext& context, const api::Attempt& attempt) {
  Event e = call_event(context, attempt, EventKind::kRequestSent);
  e.time_ms = epoch_ms(attempt.sent_at);
  boost::json::object headers;
  // Authorization keeps its Credential and SignedHeaders; its Signature and X-TC-Token go.
  for (const auto& [name, value] : attempt.redacted_headers())
    headers[name] = value;
  boost::json::object p;
  p["url"] = attempt.url;
  p["headers"] = std::move(headers);
  p["body"] = body_value(attempt.body);
  e.payload = boost::json::serialize(p);
  return e;
}

Event response_event(const CallContext& context, const api::Attempt& attempt,
                     const api::Outcome& outcome) {
  bool transport = outcome.http_status == 0;
  Event e = call_event(context, attempt,
                       transport ? EventKind::kTransportError : EventKind::kResponseReceived);
  e.time_ms = epoch_ms(outcome.received_at);
  e.request_id = outcome.request_id;
  e.error_code = outcome.error_code;
  e.http_status = outcome.http_status;
  e.latency_us = static_cast<std::int64_t>(outcome.latency_ms * 1000);
  boost::json::object p;
  if (transport) {
    p["error"] = outcome.error_code + ": " + outcome.error_message;
    p["maybe_sent"] = outcome.maybe_sent;
  } else {
    p["body"] = body_value(outcome.body);
  }
  e.payload = boost::json::serialize(p);
  return e;
}

base::Status<base::Error> CallRecorder::before_send(const api::Attempt& attempt) {
  auto stored = store_.append(audit::request_event(context_, attempt));
  if (!stored)
    return base::Error{"recording the request before sending: " + stored.error().message};
  request_ = *stored;
  return {};
}

void CallRecorder::after_receive(const api::Attempt& attempt, const api::Outcome& outcome) {
  auto stored = store_.append(audit::response_event(context_, attempt, outcome));
  if (!stored) {
    error_ = base::Error{"recording the response: " + stored.error().message};
    return;
  }
  response_ = *stored;
}

}  // namespace tcplan::audit
