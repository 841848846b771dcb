// What differs between the trail's two homes — SQLite (one file, the embedded default) and
// PostgreSQL (a team store shared by hosts): connecting, the schema, one chain-exclusive write
// transaction, and the reads. EventStore (event_store.h) holds every rule of the trail and
// writes no SQL; a Backend holds the SQL and no rule.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "audit/event.h"
#include "audit/store_types.h"
#include "audit/witness.h"
#include "base/result.h"

namespace tcplan::audit {

using Status = base::Status<base::Error>;

// The version of the tables (both backends); `meta.schema_version` holds it.
inline constexpr int kSchemaVersion = 1;

// The operations allowed inside one write transaction. While it is open no other writer —
// thread, process or host — can append: the chain head read at its start stays the head.
class WriteTx {
 public:
  virtual ~WriteTx() = default;
  // The store's clock (ms since the epoch) when the transaction began: the server's clock for
  // PostgreSQL, this host's for SQLite.
  virtual std::int64_t now_ms() = 0;
  // The chain head when the transaction began.
  virtual ChainHead head() = 0;
  // Inserts `e` as it is: seq, hashes and every column already set by the store.
  virtual Status insert(const Event& e) = 0;
  virtual base::Result<std::vector<Event>> select(const EventFilter& filter) = 0;
  virtual base::Result<std::optional<Lease>> lease(const std::string& run_id) = 0;
  // Inserts or replaces the run's lease row.
  virtual Status put_lease(const Lease& lease) = 0;
  // The trail's own witness row (a shared store keeps one), and its update.
  virtual base::Result<std::optional<WitnessState>> witness() = 0;
  virtual Status put_witness(const WitnessState& state) = 0;
  // Subtransactions: in a group commit one caller's failure undoes only its own writes.
  virtual Status savepoint() = 0;
  virtual Status release_savepoint() = 0;
  virtual Status rollback_to_savepoint() = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // For messages: the file, or the URI without its password.
  virtual std::string describe() const = 0;
  // True when processes on other hosts may write the same store (PostgreSQL): leases are
  // then judged by heartbeat age, and the rate budget is shared.
  virtual bool shared() const = 0;

  // Runs `body` in one chain-exclusive transaction: commits when it succeeds, rolls back
  // when it fails. Returns only after the commit is durable.
  virtual Status write(const std::function<Status(WriteTx&)>& body) = 0;

  virtual base::Result<std::vector<Event>> select(const EventFilter& filter) const = 0;
  // Every event from `from_seq` in seq order, from one snapshot, without loading them all;
  // stops when `visit` returns false.
  virtual Status scan(std::int64_t from_seq,
                      const std::function<bool(const Event&)>& visit) const = 0;
  // Run ids in order of their first event (events with no run id excluded).
  virtual base::Result<std::vector<std::string>> run_ids() const = 0;
  virtual base::Result<ChainHead> head() const = 0;
  virtual base::Result<std::vector<Lease>> leases() const = 0;
  virtual base::Result<std::optional<WitnessState>> witness() const = 0;
  // The store's clock now (ms since the epoch).
  virtual base::Result<std::int64_t> now_ms() const = 0;

  // The shared rate budget (shared() stores only): books `count` send slots `interval_us`
  // apart in `bucket`, after every slot booked before, and no earlier than now.
  virtual base::Result<SlotGrant> take_slots(const std::string& bucket, std::int64_t interval_us,
                                             int count) = 0;
  // Hands back the booked slots from `from_us` on, if no one booked after `end_us`.
  virtual Status return_slots(const std::string& bucket, std::int64_t from_us,
                              std::int64_t end_us) = 0;
};

}  // namespace tcplan::audit
