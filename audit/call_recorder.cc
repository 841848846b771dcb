// Recording api attempts as audit events (see call_recorder.h).
#include "audit/call_recorder.h"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

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

Event base_event(const CallContext& c, const api::Attempt& a, EventKind kind) {
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

base::Status<base::Error> CallRecorder::before_send(const api::Attempt& attempt) {
  Event e = base_event(context_, attempt, EventKind::kRequestSent);
  boost::json::object headers;
  // Authorization keeps its Credential and SignedHeaders; its Signature and X-TC-Token are
  // redacted by the store's rules (redact.h).
  for (const auto& [name, value] : attempt.headers)
    headers[name] = value;
  boost::json::object p;
  p["url"] = attempt.url;
  p["headers"] = headers;
  p["body"] = body_value(attempt.body);
  p["timestamp"] = attempt.timestamp;
  e.payload = boost::json::serialize(p);
  auto stored = store_.append(std::move(e));
  if (!stored)
    return base::Error{"recording the request before sending: " + stored.error().message};
  request_ = *stored;
  return {};
}

void CallRecorder::after_receive(const api::Attempt& attempt, const api::Outcome& outcome) {
  bool transport = outcome.http_status == 0;
  Event e = base_event(context_, attempt,
                       transport ? EventKind::kTransportError : EventKind::kResponseReceived);
  e.request_id = outcome.request_id;
  e.error_code = outcome.error_code;
  e.http_status = outcome.http_status;
  e.latency_us = static_cast<std::int64_t>(outcome.latency_ms * 1000.0);
  boost::json::object p;
  if (request_) p["request_seq"] = request_->seq;
  if (transport) {
    p["error"] = outcome.error_message;
    p["maybe_sent"] = outcome.maybe_sent;
  } else {
    p["body"] = body_value(outcome.body);
    if (!outcome.error_message.empty()) p["error_message"] = outcome.error_message;
  }
  e.payload = boost::json::serialize(p);
  auto stored = store_.append(std::move(e));
  if (!stored) {
    error_ = base::Error{"recording the response: " + stored.error().message};
    return;
  }
  response_ = *stored;
}

}  // namespace tcplan::audit
