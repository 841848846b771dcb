// The audit trail's SQLite store: one append-only, hash-chained `events` table that is the
// source of truth for runs, steps and calls (projection.h rebuilds state from it), plus cluster
// locks and run leases recorded as events. Several processes may append to one file.
//
// Contract for writers (the executor's journal, the commands that record reading the trail,
// the locks of `apply` and `unlock`):
//  - append() returns only after the event is committed with synchronous=FULL in WAL mode:
//    once it returns, the event survives a process crash and a power loss. Append the
//    request event and wait for it before sending; append the response right after it.
//  - seq is global to the file: 1, 2, 3, ... across all runs, with no gaps; it is computed
//    inside a BEGIN IMMEDIATE transaction together with prev_hash, so concurrent appenders
//    (two `tcplan apply`s) still form one linear chain.
//  - every event is redacted (base/redact.h) before it is hashed and written. Values to
//    redact (the SecretKey, ${env.X} values) are registered with base::process_redactor()
//    — the api client and reference resolution do it — or with redactor().add_secret().
// Thread-safe: one EventStore may be shared by the executor's threads.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "audit/event.h"
#include "audit/seal.h"
#include "audit/witness.h"
#include "base/redact.h"
#include "base/result.h"

namespace tcplan::audit {

inline constexpr int kSchemaVersion = 1;

struct EventQuery {
  std::string run_id;                              // empty: every run
  std::optional<std::int64_t> since_ms, until_ms;  // inclusive bounds on time_ms
  std::string action;                              // empty: every action
  std::optional<EventKind> kind;
  std::int64_t from_seq = 1;  // first seq to return
};

struct LockInfo {
  std::string name;
  std::string holder_run_id;
  std::string operator_user, operator_host;
  std::int64_t acquired_seq = 0;
  std::int64_t acquired_ms = 0;
};

// The process that drives a run (executor/lease.h decides when an owner is dead).
struct LeaseOwner {
  std::string host;
  std::int64_t pid = 0;
  std::string started;  // "<boot id>/<start time in clock ticks>": tells a reused pid apart
};

// A run's lease: one driver at a time. The epoch grows by one at every acquisition, and every
// fenced append checks it in its own transaction.
struct Lease {
  std::string run_id;
  std::int64_t epoch = 0;
  LeaseOwner owner;
  std::int64_t acquired_ms = 0, heartbeat_ms = 0;
  bool released = false;
};

enum class LeaseMode {
  kNewRun,       // the run id must be new to the trail: a duplicate fails here
  kExistingRun,  // resume: the run must have events
};

struct LeaseError {
  enum class Reason { kStore, kHeld, kRunExists, kNoSuchRun };
  Reason reason = Reason::kStore;
  std::string message;
  std::optional<Lease> holder;  // kHeld: who drives the run
};

// Refusal of a fenced write: `lease_lost` when another epoch holds the run now.
struct FenceError {
  std::string message;
  bool lease_lost = false;
};

// Whether the lease's holder may be taken over: the reason it is dead, or nullopt when it may
// be alive. Called inside acquire_lease's transaction with the store's clock.
using TakeoverCheck =
    std::function<std::optional<std::string>(const Lease& holder, std::int64_t now_ms)>;

struct StoreOptions {
  // Milliseconds since the Unix epoch for events appended with time_ms == 0. Tests inject one.
  std::function<std::int64_t()> clock_ms;
  std::chrono::milliseconds busy_timeout{30000};  // wait this long for another appender
  // The registered values to redact; unset: base::process_redactor(), the one the api client
  // and reference resolution register into. Tests pass their own to stay independent.
  std::shared_ptr<base::Redactor> redactor;
};

class EventStore {
 public:
  // Opens the trail at `path`, creating it (mode 0600, WAL, schema, triggers) if absent.
  static base::Result<std::unique_ptr<EventStore>> open(const std::filesystem::path& path,
                                                        StoreOptions options = {});
  ~EventStore();
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;

  const std::filesystem::path& path() const { return path_; }
  base::Redactor& redactor() { return *options_.redactor; }

  // Redacts, fills time/operator/tool version, assigns seq and chain hashes, and commits.
  // Returns the event exactly as stored (so callers see the redacted payload and the seq).
  base::Result<Event> append(Event event);

  // Appends a `sealed` event for `run_id` signing the current chain head (the event just
  // before the seal), numbered and linked to the previous seal (seal.h), then records it in
  // every witness. Call after a run finishes or is interrupted. Refuses (nothing written)
  // when the trail does not contain what a witness recorded: it was cut back or rewritten,
  // and a new seal must not paper over that. A witness that cannot be updated after the
  // seal was committed is an error too (the seal stays: the witness merely lags).
  base::Result<Event> seal(const std::string& run_id, const SealKey& key);
  // The witnesses seal() uses. Unset: one FileWitness at default_witness_path(db, key path).
  void set_witnesses(std::vector<std::shared_ptr<Witness>> witnesses) {
    witnesses_ = std::move(witnesses);
  }

  // Every event of `run_id` in seq order: what resume replays.
  base::Result<std::vector<Event>> run_events(const std::string& run_id) const;
  base::Result<std::vector<Event>> query(const EventQuery& q) const;
  // Streams every event from `from_seq` in seq order without loading them all; stops early
  // when `visit` returns false.
  base::Status<base::Error> scan(std::int64_t from_seq,
                                 const std::function<bool(const Event&)>& visit) const;
  // Run ids in order of their first event (whole-trail reads, with no run id, excluded).
  base::Result<std::vector<std::string>> run_ids() const;
  base::Result<std::int64_t> last_seq() const;

  // Locks (e.g. one apply per cluster): taken and released as events, checked and written
  // in one transaction. A lock held by another run yields an error naming the holder.
  // Locks of a crashed run stay held until released with force (recorded as forced).
  base::Result<Event> acquire_lock(const std::string& name, const std::string& run_id,
                                   const std::string& reason);
  base::Result<Event> release_lock(const std::string& name, const std::string& run_id,
                                   bool force = false);
  // All of `names` or none, in one transaction. Locks this run already holds are kept as they
  // are; the events of the locks taken (or released) are returned.
  base::Result<std::vector<Event>> acquire_locks(const std::vector<std::string>& names,
                                                 const std::string& run_id,
                                                 const std::string& reason);
  base::Result<std::vector<Event>> release_locks(const std::vector<std::string>& names,
                                                 const std::string& run_id);
  base::Result<std::vector<LockInfo>> locks() const;

  // Leases: which process drives a run. acquire_lease takes it for `owner` in one transaction
  // (with a lease_acquired event), or takes it over from a holder `may_take_over` declares
  // dead (lease_taken_over, naming the previous owner and why), or refuses (kHeld). With
  // kNewRun it also refuses a run id the trail already has. renew_lease moves the heartbeat;
  // release_lease ends the lease (lease_released). append_fenced appends only while `epoch`
  // is the run's lease, checked in the append's own transaction: a process that was paused
  // and taken over can no longer record, so it never sends.
  base::Result<Lease, LeaseError> acquire_lease(const std::string& run_id, const LeaseOwner& owner,
                                                LeaseMode mode, const TakeoverCheck& may_take_over);
  base::Status<FenceError> renew_lease(const std::string& run_id, std::int64_t epoch);
  base::Result<Event, FenceError> release_lease(const std::string& run_id, std::int64_t epoch);
  base::Result<Event, FenceError> append_fenced(Event event, std::int64_t epoch);
  // Several events in one transaction (one fsync), in order: all of them or none. With
  // `fence_epoch` > 0 the fence is checked once, in that transaction, for the run of the
  // events (they must all be of one run). The executor's journal commits what queued up
  // while the previous commit was syncing this way (group commit).
  base::Result<std::vector<Event>, FenceError> append_batch(std::vector<Event> events,
                                                            std::int64_t fence_epoch = 0);
  base::Result<std::optional<Lease>> lease(const std::string& run_id) const;
  base::Result<std::vector<Lease>> leases() const;

 private:
  EventStore(std::filesystem::path path, sqlite3* db, StoreOptions options);
  using Check = std::function<base::Status<base::Error>(Event& pending)>;
  // Redacts and fills time, operator and tool version (no lock taken).
  void prepare(Event& event);
  // Runs `body` inside one BEGIN IMMEDIATE transaction (mu_ held): commit when it succeeds,
  // roll back when it fails.
  base::Status<base::Error> in_transaction(const std::function<base::Status<base::Error>()>& body);
  // Inside a transaction: assigns seq and prev_hash, runs `check` (which may refuse or fill
  // the payload), hashes and inserts.
  base::Status<base::Error> insert(Event& event, const Check& check);
  // Runs `check` and the append in one transaction; `check` may refuse.
  base::Result<Event> append_checked(Event event, const Check& check);
  base::Result<std::optional<LockInfo>> lock_holder(const std::string& name) const;
  base::Result<std::optional<Lease>> lease_row(const std::string& run_id) const;
  base::Status<base::Error> check_fence(const std::string& run_id, std::int64_t epoch,
                                        bool& lost) const;
  struct SealRef {
    std::int64_t counter = 0, seq = 0;  // 0, 0 and the genesis hash before the first seal
    std::string hash;
  };
  base::Result<SealRef> last_seal() const;
  base::Status<base::Error> check_extends(const WitnessState& stored, std::int64_t head_seq,
                                          const Witness& witness) const;
  base::Result<std::vector<Event>> select(const std::string& where,
                                          const std::function<void(sqlite3_stmt*)>& bind) const;

  std::filesystem::path path_;
  sqlite3* db_;
  StoreOptions options_;
  std::vector<std::shared_ptr<Witness>> witnesses_;
  mutable std::mutex mu_;  // one transaction at a time on this connection
};

// The OS user and host name recorded on every event.
std::string current_os_user();
std::string current_host();

}  // namespace tcplan::audit
