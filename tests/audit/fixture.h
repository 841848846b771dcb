// Shared helpers for the audit tests: a trail in a temp dir with a fixed clock, a typical
// run's events, and raw access for playing the attacker (triggers dropped or disabled).
#pragma once

#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "audit/event_store.h"
#include "audit/location.h"
#include "audit/seal.h"
#include "tests/testing/pg_server.h"
#include "tests/testing/process.h"
#include "tests/testing/store.h"

namespace tcplan::audit::testing {

inline std::unique_ptr<EventStore> open_store(const std::filesystem::path& path) {
  StoreOptions options;
  auto t = std::make_shared<std::int64_t>(1714564800000);  // 2024-05-01T12:00:00Z
  options.clock_ms = [t] { return (*t) += 250; };
  auto store = EventStore::open(path, options);
  if (!store) throw std::runtime_error(store.error().message);
  return std::move(*store);
}

inline Event make(EventKind kind, const std::string& run, const std::string& step = "",
                  const std::string& payload = "{}") {
  Event e;
  e.kind = kind;
  e.run_id = run;
  e.step_id = step;
  e.payload = payload;
  return e;
}

// run_process does not search PATH.
inline std::string find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  for (size_t start = 0; start <= dirs.size();) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::filesystem::path candidate = std::filesystem::path(dirs.substr(start, end - start)) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    start = end + 1;
  }
  return name;
}

inline EventQuery of_kind(EventKind kind) {
  EventQuery q;
  q.kind = kind;
  return q;
}

// A small finished run: two steps, one retried call, responses with ids; sealed at the end.
inline void write_run(EventStore& store, const std::string& run, const SealKey& key) {
  auto must = [](auto r) {
    if (!r) throw std::runtime_error(r.error().message);
    return *r;
  };
  must(store.append(make(EventKind::kRunStarted, run, "", R"({"plan":"plans/demo.toml"})")));
  must(store.append(make(EventKind::kPreviewDigest, run, "",
                         R"({"preview_sha256":"ab","steps":[{"step":"create","original":10.5,)"
                         R"("discounted":8.25,"unit":"hour","currency":"CNY"}],"total":8.25})")));
  must(store.append(make(EventKind::kStepStarted, run, "create")));
  for (int attempt = 1; attempt <= 2; ++attempt) {
    Event req = make(
        EventKind::kRequestSent, run, "create",
        R"({"headers":{"Authorization":"TC3-HMAC-SHA256 Credential=AKIDx/2024-05-01/emr/tc3_request, SignedHeaders=content-type;host, Signature=deadbeef"},"body":{"ClientToken":"tok-1"}})");
    req.service = "emr";
    req.action = "CreateInstance";
    req.version = "2019-01-03";
    req.region = "ap-guangzhou";
    req.endpoint = "http://127.0.0.1:1/";
    req.attempt = attempt;
    req.client_token = "tok-1";
    must(store.append(req));
    Event resp = req;
    resp.kind = EventKind::kResponseReceived;
    resp.http_status = 200;
    resp.latency_us = 1500;
    resp.request_id = "req-" + std::to_string(attempt);
    if (attempt == 1) {
      resp.error_code = "RequestLimitExceeded";
      resp.payload = R"({"body":{"Response":{"Error":{"Code":"RequestLimitExceeded"}}}})";
      must(store.append(resp));
      must(store.append(make(EventKind::kRetryScheduled, run, "create", R"({"delay_ms":100})")));
    } else {
      resp.payload = R"({"body":{"Response":{"InstanceId":"emr-abc","FlowId":42}}})";
      must(store.append(resp));
    }
  }
  must(store.append(make(EventKind::kStepFinished, run, "create", R"({"status":"succeeded"})")));
  must(store.append(make(EventKind::kStepStarted, run, "wait-create")));
  must(store.append(make(EventKind::kWaitPolled, run, "wait-create", R"({"state":"running"})")));
  must(store.append(
      make(EventKind::kStepFinished, run, "wait-create", R"({"status":"succeeded"})")));
  must(store.append(make(EventKind::kRunFinished, run, "", R"({"status":"succeeded"})")));
  must(store.seal(run, key));
}

// A second connection that ignores the triggers, as an attacker with write access would.
class RawDb {
 public:
  explicit RawDb(const std::filesystem::path& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) throw std::runtime_error("open");
    drop_triggers();
  }
  // EventStore::open re-creates the triggers, so the attacker drops them before each write.
  void drop_triggers() {
    sqlite3_exec(db_,
                 "DROP TRIGGER IF EXISTS events_no_update; "
                 "DROP TRIGGER IF EXISTS events_no_delete;",
                 nullptr, nullptr, nullptr);
  }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;
  void exec(const std::string& sql) {
    drop_triggers();
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string m = err != nullptr ? err : "?";
      sqlite3_free(err);
      throw std::runtime_error(sql + ": " + m);
    }
  }
  sqlite3* get() { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

// Runs `sql` on either store behind tcplan's back, as an attacker with write access would:
// SQLite with the append-only triggers dropped, PostgreSQL as the superuser with triggers
// disabled for the session (session_replication_role = replica).
inline void tamper(const std::filesystem::path& db, const std::string& sql) {
  if (!is_postgres_location(db.string())) {
    RawDb(db).exec(sql);
    return;
  }
  tcplan::testing::shared_pg_server().execute("SET session_replication_role = replica; " + sql,
                                              tcplan::testing::pg_database(db.string()));
}

}  // namespace tcplan::audit::testing
