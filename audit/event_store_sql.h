// Internal to the SQLite store (event_store.cc, event_store_runs.cc): statement handles, column
// reading and binding, and the column list every SELECT of events uses. Not part of the
// audit library's interface.
#pragma once

#include <sqlite3.h>

#include <string>

#include "audit/event.h"
#include "base/result.h"

namespace tcplan::audit::sql {

// Column order shared by every SELECT and by read_row().
inline constexpr const char* kColumns =
    "seq, time_ms, kind, run_id, step_id, item, attempt, service, action, version, region, "
    "endpoint, request_id, client_token, error_code, http_status, latency_us, operator_user, "
    "operator_host, tool_version, payload, prev_hash, hash";

struct Stmt {
  sqlite3_stmt* s = nullptr;
  Stmt() = default;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() { sqlite3_finalize(s); }
};

inline std::string text_col(sqlite3_stmt* s, int i) {
  const unsigned char* t = sqlite3_column_text(s, i);
  return t == nullptr ? std::string()
                      : std::string(reinterpret_cast<const char*>(t),
                                    static_cast<size_t>(sqlite3_column_bytes(s, i)));
}

inline void bind_text(sqlite3_stmt* s, int i, const std::string& v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

inline base::Error db_error(sqlite3* db, const std::string& what) {
  return base::Error{what + ": " + sqlite3_errmsg(db)};
}

// One row of kColumns.
Event read_row(sqlite3_stmt* s);

}  // namespace tcplan::audit::sql
