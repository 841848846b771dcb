#include "executor/journal.h"

#include <signal.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>

#include "audit/call_recorder.h"

namespace tcplan::executor {

namespace json = boost::json;

namespace {

class AttemptObserver : public api::CallObserver {
 public:
  AttemptObserver(Journal& journal, EventContext context)
      : journal_(journal), context_(std::move(context)) {}

  // The event shapes are audit's (audit/call_recorder.h), shared with `tcplan call`.
  base::Status<base::Error> before_send(const api::Attempt& a) override {
    auto r = journal_.record(audit::request_event(call_context(), a));
    if (!r) return r.error();
    return {};
  }

  void after_receive(const api::Attempt& a, const api::Outcome& o) override {
    // A failure here is recorded by the journal (healthy() turns false); the caller still
    // gets the answer, and the runner stops starting new work.
    (void)journal_.record(audit::response_event(call_context(), a, o));
  }

 private:
  audit::CallContext call_context() const {
    return {"", context_.step_id, context_.item, context_.attempt};  // run: set by record()
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
