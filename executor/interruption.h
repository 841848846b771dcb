// Ctrl-C and SIGTERM, for the whole of `tcplan apply` (not only while steps run). The first
// signal asks every phase to stop at its next safe point — the dry run between reads, the lock
// wait, the approval prompt, the runner before any new send — after which the run is recorded
// as interrupted and sealed (exit 130). A second signal while that happens abandons what is
// still in flight: API calls abort within a second (their outcome is recorded as unknown, for
// the resume to reconcile) and the cleanup goes on at once.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace tcplan::executor {

class Interruption {
 public:
  Interruption();
  ~Interruption();
  Interruption(const Interruption&) = delete;
  Interruption& operator=(const Interruption&) = delete;

  // One signal: the first asks to stop, the second forces. Thread-safe.
  void request(int signal_number = 0);
  bool requested() const { return requested_.load(); }
  bool forced() const { return forced_.load(); }
  int signal_number() const { return signal_.load(); }
  // Set at the second request; the API client polls it to abort transfers.
  const std::atomic<bool>* forced_flag() const { return &forced_; }

  // Calls `f` (on the requesting thread) at the first request, or now if it came already.
  // remove() waits for a call in progress, so `f` may use what its owner destroys after.
  int on_request(std::function<void()> f);
  void remove(int id);

  // Sleeps up to `d` or until a request; true when a request came.
  bool wait_for(std::chrono::milliseconds d);
  // Readable from the first request on: poll() it beside another descriptor (the prompt).
  int fd() const { return fd_; }

 private:
  std::atomic<bool> requested_{false};
  std::atomic<bool> forced_{false};
  std::atomic<int> signal_{0};
  int fd_ = -1;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<int, std::function<void()>> callbacks_;
  int next_id_ = 0;
};

// Turns SIGINT and SIGTERM into requests on `interruption`: blocks them in the calling thread
// (and so in every thread started after it; construct it before any) and reads them on a
// thread of its own. They stay blocked after it is gone: a late signal must not kill a process
// that is sealing its run.
class SignalWatcher {
 public:
  explicit SignalWatcher(Interruption& interruption);
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  Interruption& interruption_;
  int signal_fd_ = -1;
  int stop_fd_ = -1;
  std::thread thread_;
};

}  // namespace tcplan::executor
