#include "executor/journal.h"

#include <signal.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>

namespace tcplan::executor {

namespace json = boost::json;

namespace {

json::value parse_or_text(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return json::value(text);
  return v;
}

json::object headers_json(const api::Headers& headers) {
  json::object o;
  for (const auto& [k, v] : headers)
    o[k] = v;
  return o;
}

std::int64_t to_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

class AttemptObserver : public api::CallObserver {
 public:
  AttemptObserver(Journal& journal, EventContext context)
      : journal_(journal), context_(std::move(context)) {}

  base::Status<base::Error> before_send(const api::Attempt& a) override {
    audit::Event e = base(audit::EventKind::kRequestSent, a);
    e.time_ms = to_ms(a.sent_at);
    json::object payload;
    payload["url"] = a.url;
    payload["headers"] = headers_json(a.redacted_headers());
    payload["body"] = parse_or_text(a.body);
    e.payload = json::serialize(payload);
    auto r = journal_.record(std::move(e));
    if (!r) return r.error();
    return {};
  }

  void after_receive(const api::Attempt& a, const api::Outcome& o) override {
    bool transport = o.http_status == 0;
    audit::Event e = base(
        transport ? audit::EventKind::kTransportError : audit::EventKind::kResponseReceived, a);
    e.time_ms = to_ms(o.received_at);
    e.request_id = o.request_id;
    e.error_code = o.error_code;
    e.http_status = o.http_status;
    e.latency_us = static_cast<std::int64_t>(o.latency_ms * 1000);
    json::object payload;
    if (transport) {
      payload["error"] = o.error_code + ": " + o.error_message;
      payload["maybe_sent"] = o.maybe_sent;
    } else {
      payload["body"] = parse_or_text(o.body);
    }
    e.payload = json::serialize(payload);
    // A failure here is recorded by the journal (healthy() turns false); the caller still
    // gets the answer, and the runner stops starting new work.
    (void)journal_.record(std::move(e));
  }

 private:
  audit::Event base(audit::EventKind kind, const api::Attempt& a) const {
    audit::Event e;
    e.kind = kind;
    e.step_id = context_.step_id;
    e.item = context_.item;
    e.attempt = context_.attempt;
    e.service = a.service;
    e.action = a.action;
    e.version = a.version;
    e.region = a.region;
    e.endpoint = a.url;
    e.client_token = a.client_token;
    return e;
  }

  Journal& journal_;
  EventContext context_;
};

}  // namespace

Journal::Journal(audit::EventStore& store, std::string run_id)
    : store_(store), run_id_(std::move(run_id)) {
  if (const char* n = std::getenv("TCPLAN_TEST_KILL_AFTER_EVENTS")) kill_after_ = std::atol(n);
}

base::Result<audit::Event> Journal::record(audit::EventKind kind, const EventContext& context,
                                           const json::object& payload) {
  audit::Event e;
  e.kind = kind;
  e.step_id = context.step_id;
  e.item = context.item;
  e.attempt = context.attempt;
  e.payload = json::serialize(payload);
  return record(std::move(e));
}

base::Result<audit::Event> Journal::record(audit::Event event) {
  event.run_id = run_id_;
  auto r = store_.append(std::move(event));
  if (!r) {
    fail("audit trail " + store_.path().string() + ": " + r.error().message);
    return r;
  }
  maybe_die();
  return r;
}

std::unique_ptr<api::CallObserver> Journal::observe(const EventContext& context) {
  return std::make_unique<AttemptObserver>(*this, context);
}

void Journal::fail(const std::string& message) {
  std::lock_guard lock(failure_mu_);
  if (healthy_.exchange(false)) failure_ = message;
}

void Journal::maybe_die() {
  if (kill_after_ > 0 && ++appended_ == kill_after_) kill(getpid(), SIGKILL);
}

}  // namespace tcplan::executor
