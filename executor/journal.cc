#include "executor/journal.h"

#include <boost/json.hpp>

#include "api/catalog.h"
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
    if (context_.attempt > 0) {
      // From here on the request may leave: a run that did this keeps its locks when it is
      // interrupted (its resume needs them).
      const auto* spec = api::Catalog::builtin().find(a.service, a.action, a.version);
      if (!spec || spec->mutating) journal_.note_sent_change();
    }
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

std::atomic<AppendHook> g_append_hook{nullptr};

}  // namespace

void set_journal_append_hook(AppendHook hook) {
  g_append_hook.store(hook);
}

Journal::Journal(audit::EventStore& store, std::string run_id)
    : store_(store), run_id_(std::move(run_id)) {}

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
  const std::int64_t epoch = epoch_.load();
  // The answer to a request that left must reach the trail whoever drives the run by now.
  const bool answer = event.kind == audit::EventKind::kResponseReceived ||
                      event.kind == audit::EventKind::kTransportError;
  if (lease_lost_.load() && !answer) return base::Error{failure()};
  base::Result<audit::Event> r = base::Error{};
  if (epoch > 0 && !answer) {
    auto fenced = store_.append_fenced(std::move(event), epoch);
    if (!fenced) {
      if (fenced.error().lease_lost) lease_lost_.store(true);
      fail(fenced.error().message);
      return base::Error{fenced.error().message};
    }
    r = std::move(*fenced);
  } else {
    r = store_.append(std::move(event));
    if (!r) {
      fail("audit trail " + store_.describe() + ": " + r.error().message);
      return r;
    }
  }
  long n = ++appended_;
  if (AppendHook hook = g_append_hook.load()) hook(n);
  return r;
}

std::unique_ptr<api::CallObserver> Journal::observe(const EventContext& context) {
  return std::make_unique<AttemptObserver>(*this, context);
}

void Journal::lose_lease(const std::string& why) {
  lease_lost_.store(true);
  fail(why);
}

std::string Journal::failure() const {
  std::lock_guard lock(failure_mu_);
  return failure_;
}

void Journal::fail(const std::string& message) {
  std::lock_guard lock(failure_mu_);
  if (healthy_.exchange(false)) failure_ = message;
}

}  // namespace tcplan::executor
