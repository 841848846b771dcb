// Reads an audit trail for the crash and signal tests straight from SQLite, read-only, so a
// test can watch a live `tcplan apply` (another process appending) without joining its writes.
// A PostgreSQL trail (the `.pg` runs) is read through the store's own snapshot scan.
// Header-only because tests/CMakeLists.txt compiles only tests/<folder>/*_test.cc.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "audit/event_store.h"
#include "audit/location.h"

namespace tcplan::testing::crash {

// The columns these tests reason about (docs/audit.md, "Schema").
struct TrailEvent {
  std::int64_t seq = 0;
  std::int64_t time_ms = 0;
  std::string kind;
  std::string run_id;
  std::string step_id;
  std::string item;
  std::int64_t attempt = 0;
  std::string action;
  std::string error_code;
  std::string client_token;
  std::string payload;
};

// One reader per PostgreSQL trail for the whole test process: tests that watch a live run
// read its trail every few milliseconds, and a connection per read would cost the server a
// backend start each time. Each scan is a snapshot of its own.
inline audit::EventStore& pg_trail_reader(const std::string& uri) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<audit::EventStore>> readers;
  std::lock_guard<std::mutex> lock(mu);
  auto& reader = readers[uri];
  if (!reader) {
    auto store = audit::EventStore::open(uri);
    if (!store) throw std::runtime_error(store.error().message);
    reader = std::move(*store);
  }
  return *reader;
}

// Every event in seq order; an empty list when the file does not exist yet. Throws with the
// path and SQLite's message when the file cannot be read.
inline std::vector<TrailEvent> read_trail(const std::filesystem::path& db) {
  std::vector<TrailEvent> out;
  if (audit::is_postgres_location(db.string())) {
    auto ok = pg_trail_reader(db.string()).scan(1, [&](const audit::Event& e) {
      out.push_back(TrailEvent{e.seq, e.time_ms, std::string(audit::kind_name(e.kind)), e.run_id,
                               e.step_id, e.item, e.attempt, e.action, e.error_code, e.client_token,
                               e.payload});
      return true;
    });
    if (!ok) throw std::runtime_error(ok.error().message);
    return out;
  }
  if (!std::filesystem::exists(db)) return out;
  sqlite3* h = nullptr;
  auto fail = [&](const std::string& what) {
    std::string msg = db.string() + ": " + what + ": " + (h ? sqlite3_errmsg(h) : "no handle");
    if (h) sqlite3_close(h);
    throw std::runtime_error(msg);
  };
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) fail("open");
  // The writer holds short BEGIN IMMEDIATE transactions; a reader in WAL mode never waits
  // for them, but a checkpoint can briefly lock the file.
  sqlite3_busy_timeout(h, 10000);
  sqlite3_stmt* s = nullptr;
  const char* sql =
      "SELECT seq, time_ms, kind, run_id, step_id, item, attempt, action, error_code, "
      "client_token, payload FROM events ORDER BY seq";
  if (sqlite3_prepare_v2(h, sql, -1, &s, nullptr) != SQLITE_OK) {
    // A file created but without its schema yet: nothing recorded so far.
    std::string err = sqlite3_errmsg(h);
    sqlite3_close(h);
    if (err.find("no such table") != std::string::npos) return out;
    throw std::runtime_error(db.string() + ": prepare: " + err);
  }
  auto text = [&](int col) {
    const unsigned char* t = sqlite3_column_text(s, col);
    return t ? std::string(reinterpret_cast<const char*>(t)) : std::string();
  };
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    TrailEvent e;
    e.seq = sqlite3_column_int64(s, 0);
    e.time_ms = sqlite3_column_int64(s, 1);
    e.kind = text(2);
    e.run_id = text(3);
    e.step_id = text(4);
    e.item = text(5);
    e.attempt = sqlite3_column_int64(s, 6);
    e.action = text(7);
    e.error_code = text(8);
    e.client_token = text(9);
    e.payload = text(10);
    out.push_back(std::move(e));
  }
  sqlite3_finalize(s);
  if (rc != SQLITE_DONE) fail("step");
  sqlite3_close(h);
  return out;
}

// Events the executor's journal writes (what TCPLAN_TEST_KILL_AFTER_EVENTS counts): seals,
// locks and leases go to the store directly, reads of the trail carry no run.
inline bool journal_kind(const std::string& kind) {
  return kind != "sealed" && kind != "lock_acquired" && kind != "lock_released" &&
         kind != "trail_read" && kind != "trail_exported" && kind.rfind("lease_", 0) != 0;
}

}  // namespace tcplan::testing::crash
