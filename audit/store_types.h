// The values the audit store hands out and takes in, shared by its interface (event_store.h)
// and by the backends that hold the rows (backend.h): queries, locks, run leases, chain heads
// and shared rate-budget slots.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "audit/event.h"

namespace tcplan::audit {

struct EventQuery {
  std::string run_id;                              // empty: every run
  std::optional<std::int64_t> since_ms, until_ms;  // inclusive bounds on time_ms
  std::string action;                              // empty: every action
  std::optional<EventKind> kind;
  std::int64_t from_seq = 1;  // first seq to return
};

// What a backend read selects; every field that is set narrows it. The store builds these;
// backends turn them into SQL.
struct EventFilter {
  std::string run_id;
  std::string item;
  std::string action;
  std::vector<EventKind> kinds;  // empty: any kind
  std::optional<std::int64_t> since_ms, until_ms;
  std::int64_t from_seq = 1;
  std::optional<std::int64_t> seq;  // exactly this event
  bool newest_first = false;
  std::int64_t limit = 0;  // 0: no limit
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
// fenced append checks it in its own transaction. Times are on the store's clock (the
// server's for PostgreSQL), so hosts with skewed clocks agree on a heartbeat's age.
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

// The last event of the chain; seq 0 and the genesis hash for an empty trail.
struct ChainHead {
  std::int64_t seq = 0;
  std::string hash;
};

// Send slots booked in a shared rate bucket: `count` slots, the first at `first_us`, then
// every `interval_us`, in microseconds on the store's clock, which read `now_us` while
// booking them (so a caller can map them onto its own clock).
struct SlotGrant {
  std::int64_t first_us = 0, interval_us = 0, now_us = 0;
  int count = 0;
};

}  // namespace tcplan::audit
