// The embedded backend: one SQLite file, mode 0600, WAL with synchronous=FULL, triggers that
// reject UPDATE and DELETE. A write transaction is BEGIN IMMEDIATE: SQLite's one write lock
// keeps the chain linear across processes on this host.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>

#include "audit/backend.h"
#include "base/result.h"

namespace tcplan::audit {

struct SqliteOpenOptions {
  std::chrono::milliseconds busy_timeout{30000};  // wait this long for another writer
  bool read_only = false;  // the file must exist; no schema is created, nothing is written
};

// Opens the trail at `path`, creating it (and its schema) when absent unless read_only.
base::Result<std::unique_ptr<Backend>> open_sqlite_backend(const std::filesystem::path& path,
                                                           const SqliteOpenOptions& options);

}  // namespace tcplan::audit
