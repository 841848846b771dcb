// The audit trail: one append-only, hash-chained `events` table that is the source of truth
// for runs, steps and calls (projection.h rebuilds state from it), plus cluster locks and run
// leases recorded as events. It lives in a SQLite file (the default) or a PostgreSQL team
// store (location.h); every rule below is this class's, the backends (backend.h) only hold
// the rows. Several processes — on several hosts, with PostgreSQL — may append to one trail.
//
// Contract for writers (the executor's journal, the commands that record reading the trail,
// the locks of `apply` and `unlock`):
//  - append() returns only after the event is committed durably (SQLite: WAL with
//    synchronous=FULL; PostgreSQL: synchronous_commit=on): once it returns, the event survives
//    a process crash and a power loss. Append the request event and wait for it before
//    sending; append the response right after it.
//  - seq is global to the trail: 1, 2, 3, ... across all runs, with no gaps; it is computed
//    inside one chain-exclusive transaction together with prev_hash, so concurrent appenders
//    still form one linear chain.
//  - group commit: appends that arrive while a commit is in progress are committed together
//    in the next transaction (one fsync for all of them); each still returns only when its
//    own event is durable, and a fenced append's fence is checked per event.
//  - every event is redacted (base/redact.h) before it is hashed and written. Values to
//    redact (the SecretKey, ${env.X} values) are registered with base::process_redactor()
//    — the api client and reference resolution do it — or with redactor().add_secret().
// Thread-safe: one EventStore may be shared by the executor's threads.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "audit/backend.h"
#include "audit/event.h"
#include "audit/location.h"
#include "audit/seal.h"
#include "audit/store_types.h"
#include "audit/witness.h"
#include "base/redact.h"
#include "base/result.h"

namespace tcplan::audit {

// Whether the lease's holder may be taken over: the reason it is dead, or nullopt when it may
// be alive. Called inside acquire_lease's transaction with the store's clock.
using TakeoverCheck =
    std::function<std::optional<std::string>(const Lease& holder, std::int64_t now_ms)>;

struct StoreOptions {
  // Milliseconds since the Unix epoch for events appended with time_ms == 0 and for lease
  // times. Unset: the store's clock (this host's for SQLite, the server's for PostgreSQL).
  // Tests inject one.
  std::function<std::int64_t()> clock_ms;
  std::chrono::milliseconds busy_timeout{30000};  // wait this long for another appender
  // The registered values to redact; unset: base::process_redactor(), the one the api client
  // and reference resolution register into. Tests pass their own to stay independent.
  std::shared_ptr<base::Redactor> redactor;
  // Batch concurrent appends into one transaction (the default). Off: one transaction per
  // append, for the benchmark that shows the difference.
  bool group_commit = true;
  // SQLite only: open an existing file without writing to it (no schema set-up).
  bool read_only = false;
};

// How many transactions carried how many writes (group commit at work).
struct CommitStats {
  std::int64_t transactions = 0;
  std::int64_t writes = 0;
};

class EventStore {
 public:
  // Opens the trail at `location` (a path, or a PostgreSQL connection string: location.h).
  // A SQLite file is created (mode 0600, WAL, schema, triggers) if absent; a PostgreSQL store
  // must have been set up with `tcplan audit init`.
  static base::Result<std::unique_ptr<EventStore>> open(const std::string& location,
                                                        StoreOptions options = {});
  ~EventStore();
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;

  const StoreLocation& location() const { return location_; }
  // For messages: the file, or the URI without its password.
  std::string describe() const { return location_.display; }
  // True for a team store that processes on other hosts may share (PostgreSQL).
  bool shared() const { return backend_->shared(); }
  base::Redactor& redactor() { return *options_.redactor; }

  // Redacts, fills time/operator/tool version, assigns seq and chain hashes, and commits.
  // Returns the event exactly as stored (so callers see the redacted payload and the seq).
  base::Result<Event> append(Event event);

  // Appends a `sealed` event for `run_id` signing the current chain head (the event just
  // before the seal), numbered and linked to the previous seal (seal.h), then records it in
  // every witness. Call after a run finishes or is interrupted. Refuses (nothing written)
  // when the trail does not contain what a witness recorded: it was cut back or rewritten,
  // and a new seal must not paper over that. A witness that cannot be updated after the
  // seal was committed is an error too (the seal stays: the witness merely lags). A shared
  // store also keeps its own witness row, written in the seal's transaction.
  base::Result<Event> seal(const std::string& run_id, const SealKey& key);
  // The witnesses seal() uses. Unset: one FileWitness at default_witness_path(trail, key).
  void set_witnesses(std::vector<std::shared_ptr<Witness>> witnesses) {
    witnesses_ = std::move(witnesses);
  }
  // A shared store's own witness row (nullopt: none yet, or a SQLite trail).
  base::Result<std::optional<WitnessState>> store_witness() const { return backend_->witness(); }

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
  // The store's clock (the server's for PostgreSQL): what lease heartbeats are written with.
  std::int64_t now_ms() const;

  // Locks (e.g. one apply per cluster): taken and released as events, checked and written
  // in one transaction. A lock held by another run yields an error naming the holder (its
  // run, operator and host). Locks of a crashed run stay held until released with force.
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
  // Several events committed together, in order: all of them or none. One job of the store's
  // group commit (so in one transaction, one fsync, possibly with other writers' jobs). With
  // `fence_epoch` > 0 the fence is checked in that transaction, for the run of the events
  // (they must all be of one run): append_fenced is this with one event. The executor's
  // journal hands over what queued up while its previous batch was committing this way.
  base::Result<std::vector<Event>, FenceError> append_batch(std::vector<Event> events,
                                                            std::int64_t fence_epoch = 0);
  base::Result<std::optional<Lease>> lease(const std::string& run_id) const;
  base::Result<std::vector<Lease>> leases() const;

  // Copying a trail (copy.h): appends events exactly as they are (seq, hashes, seals) after
  // the current head, refusing any that does not continue the chain; and lease rows as they
  // are.
  base::Status<base::Error> import_events(const std::vector<Event>& events);
  base::Status<base::Error> import_lease(const Lease& lease);
  // A shared store's own witness row, set to a copied trail's last seal.
  base::Status<base::Error> import_witness(const WitnessState& state);

  // The shared rate budget (shared stores only; see executor/rate_budget.h).
  base::Result<SlotGrant> take_rate_slots(const std::string& bucket, std::int64_t interval_us,
                                          int count) {
    return backend_->take_slots(bucket, interval_us, count);
  }
  base::Status<base::Error> return_rate_slots(const std::string& bucket, std::int64_t from_us,
                                              std::int64_t end_us) {
    return backend_->return_slots(bucket, from_us, end_us);
  }

  CommitStats commit_stats() const { return {transactions_.load(), writes_.load()}; }
  // Writes waiting for the next commit (for the group-commit tests).
  std::size_t queued() const;

 private:
  EventStore(StoreLocation location, std::unique_ptr<Backend> backend, StoreOptions options);

  // One write transaction's view for the store's rules: the backend's transaction, the chain
  // head as it moves with each insert, and the store's clock.
  struct Tx {
    WriteTx& tx;
    ChainHead head;
    std::int64_t now_ms;
  };
  using Job = std::function<base::Status<base::Error>(Tx&)>;
  using Check = std::function<base::Status<base::Error>(Event& pending)>;
  struct Pending;

  // Runs `job` in a chain-exclusive transaction, batched with whatever other jobs are waiting
  // (group commit: the first waiting thread commits them all). Returns once the transaction
  // holding it has committed (or when the job itself failed: its writes are undone).
  base::Status<base::Error> write(Job job);
  void commit_batch(const std::vector<Pending*>& batch);
  // Redacts and fills operator and tool version (no lock taken). Time is filled at insert.
  void prepare(Event& event);
  // Inside a transaction: assigns seq, prev_hash and time, runs `check` (which may refuse or
  // fill the payload), hashes and inserts.
  base::Status<base::Error> insert(Tx& tx, Event& event, const Check& check);
  // Runs `check` and the append in one transaction; `check` may refuse.
  base::Result<Event> append_checked(Event event, const Check& check);
  base::Result<std::optional<LockInfo>> lock_holder(Tx& tx, const std::string& name) const;
  base::Status<base::Error> check_fence(Tx& tx, const std::string& run_id, std::int64_t epoch,
                                        bool& lost) const;
  struct SealRef {
    std::int64_t counter = 0, seq = 0;  // 0, 0 and the genesis hash before the first seal
    std::string hash;
  };
  base::Result<SealRef> last_seal(Tx& tx) const;
  base::Status<base::Error> check_extends(Tx& tx, const WitnessState& stored, std::int64_t head_seq,
                                          const std::string& describe) const;
  std::int64_t clock(Tx& tx) const { return options_.clock_ms ? options_.clock_ms() : tx.now_ms; }

  StoreLocation location_;
  std::unique_ptr<Backend> backend_;
  StoreOptions options_;
  std::vector<std::shared_ptr<Witness>> witnesses_;

  // Group commit: writes wait here; one thread at a time commits a batch.
  mutable std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::vector<Pending*> queue_;
  bool committing_ = false;
  std::atomic<std::int64_t> transactions_{0}, writes_{0};
};

// The OS user recorded on every event.
std::string current_os_user();
// The host name recorded on every event and lease: set_host_name()'s (--host-name), else
// $TCPLAN_HOST, else gethostname(). Tests give two processes on one machine two host names.
std::string current_host();
void set_host_name(std::string name);

}  // namespace tcplan::audit
