// Journal: the executor's writer of the audit trail. Every event of a run goes through it:
// run and step boundaries, decisions (retry, reconcile, wait state changes), and, through
// the per-attempt CallObserver it hands to the API client, each request before it is sent and
// each response as it arrives. An event that cannot be recorded stops the call it belongs to.
#pragma once

#include <atomic>
#include <boost/json/object.hpp>
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

class Journal {
 public:
  Journal(audit::EventStore& store, std::string run_id);

  const std::string& run_id() const { return run_id_; }
  audit::EventStore& store() { return store_; }

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
  const std::string& failure() const { return failure_; }

 private:
  void fail(const std::string& message);
  // Test hook for the crash test: TCPLAN_TEST_KILL_AFTER_EVENTS=N makes the process SIGKILL
  // itself right after its Nth committed event, exactly as an operator's `kill -9` would.
  void maybe_die();

  audit::EventStore& store_;
  std::string run_id_;
  std::atomic<bool> healthy_{true};
  std::mutex failure_mu_;
  std::string failure_;
  std::atomic<long> appended_{0};
  long kill_after_ = 0;
};

}  // namespace tcplan::executor
