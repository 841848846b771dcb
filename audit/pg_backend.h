// The team backend: a PostgreSQL database set up by `tcplan audit init` (pg_schema.h). Every
// chain write transaction takes one advisory lock before it reads the head, so all processes
// on all hosts append to one linear chain; commits are synchronous (the write-ahead rule).
// Times that processes compare — lease heartbeats, rate slots — come from the server's clock.
#pragma once

#include <chrono>
#include <memory>

#include "audit/backend.h"
#include "audit/location.h"
#include "base/result.h"

namespace tcplan::audit {

struct PgOpenOptions {
  // How long a writer waits for the chain lock before it gives up (lock_timeout).
  std::chrono::milliseconds busy_timeout{30000};
};

// Connects and checks the schema; a database without one is an error that says to run
// `tcplan audit init`.
base::Result<std::unique_ptr<Backend>> open_pg_backend(const StoreLocation& location,
                                                       const PgOpenOptions& options);

}  // namespace tcplan::audit
