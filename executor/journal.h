// Journal: the executor's writer of the audit trail. Every event of a run goes through it:
// run and step boundaries, decisions (retry, reconcile, wait state changes), and, through
// the per-attempt CallObserver it hands to the API client, each request before it is sent and
// each response as it arrives. An event that cannot be recorded stops the call it belongs to.
// Once the run's lease is held (lease.h), every event but an answer is fenced: written only
// while this process's lease epoch is still the run's, so a process that lost the run (paused,
// then taken over) can record the answers of what it already sent and nothing else.
//
// Appends go to one writer thread that commits whatever queued up while the previous commit
// was syncing, in one transaction with one fsync (group commit), in the order they were
// queued. record() waits for its event to be durable (a request is sent only after the commit
// holding its request_sent); post() only queues, so the event loop never waits on the disk:
// anything recorded later, a request above all, is committed with or after it.
#pragma once

#include <atomic>
#include <boost/json/object.hpp>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/client.h"
#include "audit/event_store.h"
#include "base/result.h"

namespace tcplan::executor {

// Identifies the work an event belongs to.
struct EventContext {
  std::string step_id;
  std::string item;  // for_each item index as text; empty for an ordinary step
  std::int64_t attempt = 0;
};

// Test builds only (tests/testing/tcplan_test_main.cc installs one for the crash tests): called
// after each event the journal commits, with the number committed so far by this process. No
// commit crosses `boundary` (> 0): the events up to it are committed on their own, so a hook
// that kills the process there finds exactly that many in the trail. The shipped binary never
// sets it.
using AppendHook = void (*)(long appended);
void set_journal_append_hook(AppendHook hook, long boundary = 0);

struct JournalOptions {
  // At most this many events per commit; 1 commits each event alone (one fsync per event, as
  // bench_journal compares).
  std::size_t max_batch = 4096;
};

class Journal {
 public:
  Journal(audit::EventStore& store, std::string run_id, JournalOptions options = {});
  // Commits what is queued, then stops the writer.
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  const std::string& run_id() const { return run_id_; }
  audit::EventStore& store() { return store_; }

  // From now on every event but an answer is written only while `epoch` is the run's lease.
  void fence(std::int64_t epoch) { epoch_.store(epoch); }

  // Appends one event of this run (run_id and context filled in) and waits until it is
  // durable. Thread-safe.
  base::Result<audit::Event> record(audit::EventKind kind, const EventContext& context,
                                    const boost::json::object& payload);
  base::Result<audit::Event> record(audit::Event event);
  // Queues one event and returns at once; false when the journal has already failed (the
  // event is not queued). A later failure to commit it turns healthy() false. Thread-safe.
  bool post(audit::EventKind kind, const EventContext& context, const boost::json::object& payload);
  bool post(audit::Event event);
  // Waits until everything queued so far is committed; false if the journal failed.
  bool flush();
  // Called (on the writer's thread) when the journal turns unhealthy, so that a loop waiting
  // for other things notices.
  void on_failure(std::function<void()> listener);

  // An observer for one attempt: before_send commits request_sent (the call is cancelled if
  // that fails), after_receive queues response_received or transport_error.
  std::unique_ptr<api::CallObserver> observe(const EventContext& context);

  // False once an event could not be written: the runner stops starting work, because a
  // run whose trail has a hole must not go on.
  bool healthy() const { return healthy_.load(); }
  std::string failure() const;
  // The fence refused an event, or the heartbeat found the lease gone: another process drives
  // the run now, and this one writes nothing more of it (answers to what it sent excepted).
  bool lease_lost() const { return lease_lost_.load(); }
  void lose_lease(const std::string& why);
  // A mutating request of this run left (or may have left) this process.
  bool sent_change() const { return sent_change_.load(); }
  void note_sent_change() { sent_change_.store(true); }

  // Commits so far and the events they held (bench_journal reads the group commit's effect).
  std::int64_t commits() const { return commits_.load(); }
  std::int64_t committed() const { return appended_.load(); }

 private:
  using Done = std::promise<base::Result<audit::Event>>;
  struct Pending {
    audit::Event event;
    std::shared_ptr<Done> done;  // set for record(): someone waits for it
  };
  // Fills the run id; refuses (without queueing) what a process that lost the run may not
  // write. Empty: accepted.
  std::optional<std::string> admit(audit::Event& event) const;
  void enqueue(Pending p);
  void writer();
  void commit(std::vector<Pending>& batch);
  void fail(const std::string& message);

  audit::EventStore& store_;
  std::string run_id_;
  JournalOptions options_;
  std::atomic<std::int64_t> epoch_{0};  // 0: not fenced yet
  std::atomic<bool> healthy_{true};
  std::atomic<bool> lease_lost_{false};
  std::atomic<bool> sent_change_{false};
  mutable std::mutex failure_mu_;
  std::string failure_;
  std::function<void()> failure_listener_;  // under failure_mu_

  std::mutex mu_;
  std::condition_variable wake_, drained_;
  std::vector<Pending> queue_;
  std::int64_t queued_ = 0, done_ = 0;  // events queued and handled (committed or failed)
  bool stopping_ = false;
  std::atomic<std::int64_t> commits_{0};
  std::atomic<long> appended_{0};
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace tcplan::executor
