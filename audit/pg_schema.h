// The PostgreSQL team store's schema and roles, created by `tcplan audit init URI` (a DBA's
// one-time step; apply never creates tables in a shared store). The same tables as the SQLite
// file, plus the store's witness row and the shared rate buckets; triggers that refuse UPDATE,
// DELETE and TRUNCATE of events and meta, and let the witness only move forward; an
// INSERT-only writer role and a SELECT-only reviewer role (NOLOGIN: granted to login roles).
#pragma once

#include <cstdint>
#include <string>

#include "audit/location.h"
#include "base/result.h"

namespace tcplan::audit {

// Every chain write transaction takes this transaction-scoped advisory lock first, so seq
// stays gapless and the chain linear across processes and hosts. Advisory locks are per
// database: two trails on one server do not contend. ("tcplan01" in ASCII.)
inline constexpr std::int64_t kPgChainLockKey = 0x7463706c616e3031;

struct PgInitOptions {
  std::string writer_role = "tcplan_writer";
  std::string reviewer_role = "tcplan_reviewer";
};

struct PgInitReport {
  std::string schema;    // where the tables are (the connection's current schema)
  bool created = false;  // false: the tables were there already (init is idempotent)
  std::string writer_role, reviewer_role;
};

base::Result<PgInitReport> init_postgres_store(const StoreLocation& location,
                                               const PgInitOptions& options);

// A role name init accepts: lower case letters, digits and '_', starting with a letter or
// '_', at most 63 bytes (so it never needs quoting).
bool valid_role_name(const std::string& name);

}  // namespace tcplan::audit
