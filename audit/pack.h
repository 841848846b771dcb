// The reviewer-facing outputs of the trail: recording that the trail was read or exported
// (reads are events too), and `audit pack`: one directory an auditor can take away.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "audit/event.h"
#include "base/result.h"

namespace tcplan::audit {

class EventStore;

// Appends a trail_read / trail_exported event after the read. `run_id` is the run read
// ("" for the whole trail); `details` is a JSON object text (command, filters, file hashes).
base::Result<Event> record_trail_access(EventStore& store, EventKind kind,
                                        const std::string& run_id, const std::string& details_json);

struct PackedFile {
  std::string name;
  std::string sha256;
  std::size_t bytes = 0;
};

// Writes into `dir` (created if needed): events.jsonl, events.csv, report.html and
// SHA256SUMS (sha256sum -c format) over those three, each through temp file + rename.
// Verification runs on the whole trail; the report shows its outcome. Records a
// trail_exported event. Returns the manifest entries.
base::Result<std::vector<PackedFile>> pack_run(EventStore& store, const std::string& run_id,
                                               const std::filesystem::path& dir,
                                               const std::string& trusted_public_key);

}  // namespace tcplan::audit
