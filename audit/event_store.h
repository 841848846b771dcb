// The audit trail's SQLite store: one append-only, hash-chained `events` table that is the
// source of truth for runs, steps and calls (projection.h rebuilds state from it), plus a
// small lock facility recorded as events. Several processes may append to one file.
//
// Contract for writers (the executor's journal, the commands that record reading the trail,
// the locks of `apply` and `unlock`):
//  - append() returns only after the event is committed with synchronous=FULL in WAL mode:
//    once it returns, the event survives a process crash and a power loss. Append the
//    request event and wait for it before sending; append the response right after it.
//  - seq is global to the file: 1, 2, 3, ... across all runs, with no gaps; it is computed
//    inside a BEGIN IMMEDIATE transaction together with prev_hash, so concurrent appenders
//    (two `tcplan apply`s) still form one linear chain.
//  - every event is redacted (redact.h) before it is hashed and written; register the
//    SecretKey and values filled from ${env.X} with redactor().add_secret() first.
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
#include "audit/redact.h"
#include "audit/seal.h"
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

struct StoreOptions {
  // Milliseconds since the Unix epoch for events appended with time_ms == 0. Tests inject one.
  std::function<std::int64_t()> clock_ms;
  std::chrono::milliseconds busy_timeout{30000};  // wait this long for another appender
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
  Redactor& redactor() { return redactor_; }

  // Redacts, fills time/operator/tool version, assigns seq and chain hashes, and commits.
  // Returns the event exactly as stored (so callers see the redacted payload and the seq).
  base::Result<Event> append(Event event);

  // Appends a `sealed` event for `run_id` signing the current chain head (the event just
  // before the seal). Call after a run finishes or is interrupted.
  base::Result<Event> seal(const std::string& run_id, const SealKey& key);

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
  base::Result<std::vector<LockInfo>> locks() const;

 private:
  EventStore(std::filesystem::path path, sqlite3* db, StoreOptions options);
  // Runs `check` and the append in one BEGIN IMMEDIATE transaction; `check` may refuse.
  base::Result<Event> append_checked(
      Event event, const std::function<base::Status<base::Error>(Event& pending)>& check);
  base::Result<std::optional<LockInfo>> lock_holder(const std::string& name) const;
  base::Result<std::vector<Event>> select(const std::string& where,
                                          const std::function<void(sqlite3_stmt*)>& bind) const;

  std::filesystem::path path_;
  sqlite3* db_;
  StoreOptions options_;
  Redactor redactor_;
  mutable std::mutex mu_;  // one transaction at a time on this connection
};

// The OS user and host name recorded on every event.
std::string current_os_user();
std::string current_host();

}  // namespace tcplan::audit
