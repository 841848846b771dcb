// Journal: the executor's writer of the audit trail. Every event of a run goes through it:
// run and step boundaries, decisions (retry, reconcile, wait state changes), and, through
// the per-attempt CallObserver it hands to the API client, each request before it is sent and
// each response as it arrives. An event that cannot be recorded stops the call it belongs to.
// Once the run's lease is held (lease.h), every event but an answer is fenced: written only
// while this process's lease epoch is still the run's, so a process that lost the run (paused,
// then taken over) can record the answers of what it already sent and nothing else.
#pragma once

#include <atomic>
#include <boost/json/object.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

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
// after each event the journal commits, with the number committed so far by this process. The
// shipped binary never sets it.
using AppendHook = void (*)(long appended);
void set_journal_append_hook(AppendHook hook);

class Journal {
 public:
  Journal(audit::EventStore& store, std::string run_id);

  const std::string& run_id() const { return run_id_; }
  audit::EventStore& store() { return store_; }

  // From now on every event but an answer is written only while `epoch` is the run's lease.
  void fence(std::int64_t epoch) { epoch_.store(epoch); }

  // Appends one event of this run (run_id and context filled in). Thread-safe.
  base::Result<audit::Event> record(audit::EventKind kind, const EventContext& context,
                                    const boost::json::object& payload);
  base::Result<audit::Event> record(audit::Event event);

  // An observer for one attempt: before_send commits request_sent (the call is cancelled if
  // that fails), after_receive commits response_received or transport_error.
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

 private:
  void fail(const std::string& message);

  audit::EventStore& store_;
  std::string run_id_;
  std::atomic<std::int64_t> epoch_{0};  // 0: not fenced yet
  std::atomic<bool> healthy_{true};
  std::atomic<bool> lease_lost_{false};
  std::atomic<bool> sent_change_{false};
  mutable std::mutex failure_mu_;
  std::string failure_;
  std::atomic<long> appended_{0};
};

}  // namespace tcplan::executor
