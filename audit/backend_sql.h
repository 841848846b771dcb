// SQL the two backends share: the column lists, an EventFilter turned into a WHERE clause
// with numbered placeholders (`?1` for SQLite, `$1` for PostgreSQL), and an event rebuilt from
// its columns as text. Internal to audit/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "audit/event.h"
#include "audit/store_types.h"

namespace tcplan::audit::sql {

// Column order shared by every SELECT and INSERT of events.
inline constexpr const char* kColumns =
    "seq, time_ms, kind, run_id, step_id, item, attempt, service, action, version, region, "
    "endpoint, request_id, client_token, error_code, http_status, latency_us, operator_user, "
    "operator_host, tool_version, payload, prev_hash, hash";
inline constexpr int kColumnCount = 23;

inline constexpr const char* kLeaseColumns =
    "run_id, epoch, host, pid, started, acquired_ms, heartbeat_ms, released";

struct Param {
  bool is_int = false;
  std::int64_t i = 0;
  std::string s;
};

Param text_param(std::string s);
Param int_param(std::int64_t i);

struct Where {
  std::string sql;  // " WHERE ... ORDER BY seq [DESC] [LIMIT n]"
  std::vector<Param> params;
};

// `placeholder` is '?' (SQLite: ?1, ?2, ...) or '$' (PostgreSQL: $1, $2, ...).
Where where_clause(const EventFilter& filter, char placeholder);

// The 23 columns of kColumns as text (integers in decimal), in order. An unknown kind name
// (a tampered row) maps to a kind whose name differs and an empty payload, so the recomputed
// hash cannot match and verify names the row.
Event event_from_text(const std::vector<std::string_view>& columns);

// Every column of `e` as a parameter, in kColumns order.
std::vector<Param> event_params(const Event& e);

}  // namespace tcplan::audit::sql
