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
    // Waits for the commit: nothing leaves before its request_sent is durable.
    auto r = journal_.record(audit::request_event(call_context(), a));
    if (!r) return r.error();
    return {};
  }

  void after_receive(const api::Attempt& a, const api::Outcome& o) override {
    // Queued behind the request; a failure to commit it is recorded by the journal
    // (healthy() turns false) and the runner stops starting new work.
    (void)journal_.post(audit::response_event(call_context(), a, o));
  }

 private:
  audit::CallContext call_context() const {
    return {"", context_.step_id, context_.item, context_.attempt};  // run: set by the journal
  }

  Journal& journal_;
  EventContext context_;
};

std::atomic<AppendHook> g_append_hook{nullptr};
std::atomic<long> g_hook_boundary{0};

bool is_answer(const audit::Event& e) {
  return e.kind == audit::EventKind::kResponseReceived ||
         e.kind == audit::EventKind::kTransportError;
}

audit::Event make_event(audit::EventKind kind, const EventContext& context,
                        const json::object& payload) {
  audit::Event e;
  e.kind = kind;
  e.step_id = context.step_id;
  e.item = context.item;
  e.attempt = context.attempt;
  e.payload = json::serialize(payload);
  return e;
}

}  // namespace

void set_journal_append_hook(AppendHook hook, long boundary) {
  g_hook_boundary.store(boundary);
  g_append_hook.store(hook);
}

Journal::Journal(audit::EventStore& store, std::string run_id, JournalOptions options)
    : store_(store), run_id_(std::move(run_id)), options_(options) {
  if (options_.max_batch == 0) options_.max_batch = 1;
  thread_ = std::thread([this] { writer(); });
}

Journal::~Journal() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::optional<std::string> Journal::admit(audit::Event& event) const {
  event.run_id = run_id_;
  // The answer to a request that left must reach the trail whoever drives the run by now.
  if (lease_lost_.load() && !is_answer(event)) return failure();
  return std::nullopt;
}

void Journal::enqueue(Pending p) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(p));
    ++queued_;
  }
  wake_.notify_one();
}

base::Result<audit::Event> Journal::record(audit::EventKind kind, const EventContext& context,
                                           const json::object& payload) {
  return record(make_event(kind, context, payload));
}

base::Result<audit::Event> Journal::record(audit::Event event) {
  if (auto refused = admit(event)) return base::Error{*refused};
  auto done = std::make_shared<Done>();
  auto result = done->get_future();
  enqueue({std::move(event), std::move(done)});
  return result.get();
}

bool Journal::post(audit::EventKind kind, const EventContext& context,
                   const json::object& payload) {
  return post(make_event(kind, context, payload));
}

bool Journal::post(audit::Event event) {
  if (admit(event)) return false;
  // An answer is queued even after a failure: it may be the last word on a request that left.
  if (!healthy_.load() && !is_answer(event)) return false;
  enqueue({std::move(event), nullptr});
  return true;
}

bool Journal::flush() {
  std::unique_lock lock(mu_);
  const std::int64_t target = queued_;
  drained_.wait(lock, [&] { return done_ >= target; });
  return healthy_.load();
}

void Journal::on_failure(std::function<void()> listener) {
  std::lock_guard lock(failure_mu_);
  failure_listener_ = std::move(listener);
}

void Journal::writer() {
  for (;;) {
    std::vector<Pending> taken;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left
      taken.swap(queue_);
    }
    // Whatever queued while the last commit was syncing goes in one commit now.
    for (std::size_t from = 0; from < taken.size();) {
      std::size_t n = std::min(options_.max_batch, taken.size() - from);
      const long boundary = g_hook_boundary.load();
      const long appended = appended_.load();
      if (boundary > appended) n = std::min<std::size_t>(n, boundary - appended);
      std::vector<Pending> batch(std::make_move_iterator(taken.begin() + from),
                                 std::make_move_iterator(taken.begin() + from + n));
      commit(batch);
      from += n;
    }
    {
      std::lock_guard lock(mu_);
      done_ += static_cast<std::int64_t>(taken.size());
    }
    drained_.notify_all();
  }
}

void Journal::commit(std::vector<Pending>& batch) {
  const std::int64_t epoch = epoch_.load();
  bool fenced = false;
  std::vector<audit::Event> events;
  events.reserve(batch.size());
  for (auto& p : batch) {
    fenced |= epoch > 0 && !is_answer(p.event);
    events.push_back(p.event);
  }
  auto finish = [&](std::size_t i, base::Result<audit::Event> r) {
    if (batch[i].done) batch[i].done->set_value(std::move(r));
  };
  auto committed = [&](std::vector<std::size_t> which, std::vector<audit::Event>& stored) {
    ++commits_;
    for (std::size_t k = 0; k < which.size(); ++k) {
      const long n = ++appended_;
      if (AppendHook hook = g_append_hook.load()) hook(n);
      finish(which[k], std::move(stored[k]));
    }
  };
  std::vector<std::size_t> all(batch.size());
  for (std::size_t i = 0; i < all.size(); ++i)
    all[i] = i;
  auto r = store_.append_batch(std::move(events), fenced ? epoch : 0);
  if (r) {
    committed(all, *r);
    return;
  }
  const std::string message =
      r.error().lease_lost ? r.error().message
                           : "audit trail " + store_.path().string() + ": " + r.error().message;
  if (r.error().lease_lost) {
    lease_lost_.store(true);
    // The answers still go in, unfenced: they record what already reached the cloud.
    std::vector<std::size_t> answers;
    std::vector<audit::Event> answer_events;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (is_answer(batch[i].event)) {
        answers.push_back(i);
        answer_events.push_back(batch[i].event);
      }
    }
    if (!answers.empty()) {
      if (auto a = store_.append_batch(std::move(answer_events), 0)) {
        committed(answers, *a);
        for (std::size_t i = 0; i < batch.size(); ++i) {
          if (!is_answer(batch[i].event)) finish(i, base::Error{message});
        }
        fail(message);
        return;
      }
    }
  }
  fail(message);
  for (std::size_t i = 0; i < batch.size(); ++i)
    finish(i, base::Error{message});
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
  std::function<void()> listener;
  {
    std::lock_guard lock(failure_mu_);
    if (!healthy_.exchange(false)) return;
    failure_ = message;
    listener = failure_listener_;
  }
  if (listener) listener();
}

}  // namespace tcplan::executor
