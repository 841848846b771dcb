// One driver per run. A process drives a run only while it holds the run's lease in the
// trail (audit::EventStore: host, pid, process start time, heartbeat, epoch). A second
// `apply --resume RUN` while the owner lives is refused (exit 3, naming host and pid); a lease
// whose owner is provably dead — same host and the pid gone or reused, or no heartbeat for
// kStaleAfter — is taken over, as an audit event. The Journal fences its writes with the
// epoch, so a paused owner that wakes after a takeover can no longer record, or send.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "audit/event_store.h"
#include "base/result.h"

namespace tcplan::executor {

// How often the owner beats, and how old a heartbeat must be before its owner counts as dead
// whatever its pid says (a host we cannot see into, or a process stopped with SIGSTOP).
struct LeaseTiming {
  std::chrono::milliseconds heartbeat{5'000};
  std::chrono::milliseconds stale_after{60'000};
};
LeaseTiming lease_timing();
// Test builds only (tests/testing/tcplan_test_main.cc): short timings for the takeover tests.
void set_lease_timing(LeaseTiming timing);

// This process as a lease owner: host name, pid, "<boot id>/<start time>" from /proc.
audit::LeaseOwner this_process();

// What the local host says about a pid: gone, alive with this start time, or unknown.
struct ProcessProbe {
  enum class State { kGone, kAlive, kUnknown };
  State state = State::kUnknown;
  std::string started;  // kAlive: "<boot id>/<start time>" as this_process() writes it
};
ProcessProbe probe_process(std::int64_t pid);

// The takeover rule, pure: why `holder` is dead (so its lease may be taken over), or nullopt
// when it may be alive. `probe` is asked only about a pid on this host.
std::optional<std::string> owner_dead(const audit::Lease& holder, const std::string& this_host,
                                      std::int64_t now_ms, std::chrono::milliseconds stale_after,
                                      const std::function<ProcessProbe(std::int64_t)>& probe);

// For `tcplan runs`: whether the run's lease says a live process drives it.
bool lease_alive(const audit::Lease& lease, std::int64_t now_ms);

// Holds a run's lease for as long as it lives: takes it, beats every `heartbeat` on a thread
// of its own, and releases it at release(). When a heartbeat finds the lease gone (taken over)
// it calls `on_lost` once, from that thread.
class LeaseKeeper {
 public:
  // Takes the lease (or over from a dead owner); the error says who holds it when refused.
  static base::Result<std::unique_ptr<LeaseKeeper>, audit::LeaseError> acquire(
      audit::EventStore& store, const std::string& run_id, audit::LeaseMode mode,
      std::function<void(const std::string&)> on_lost);
  ~LeaseKeeper();
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  std::int64_t epoch() const { return lease_.epoch; }
  const audit::Lease& lease() const { return lease_; }
  bool lost() const { return lost_.load(); }

  // Stops beating and writes lease_released (fenced by the epoch).
  base::Status<audit::FenceError> release();

 private:
  LeaseKeeper(audit::EventStore& store, audit::Lease lease,
              std::function<void(const std::string&)> on_lost);
  void beat();
  void stop();

  audit::EventStore& store_;
  audit::Lease lease_;
  std::function<void(const std::string&)> on_lost_;
  std::atomic<bool> lost_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tcplan::executor
