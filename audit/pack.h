// The reviewer-facing outputs of the trail: recording that the trail was read or exported
// (reads are events too), and the evidence pack an auditor takes away — and checks later
// with nothing but the pack and, ideally, the seal key's fingerprint.
//
// Pack format "tcplan-audit-pack-v1", one directory:
//   events.jsonl     every event from the run's first event to its seal (other runs' events
//                    in between included), so the rows form one unbroken slice of the chain
//   events.csv       the same rows for a spreadsheet (cells neutralised, export.h)
//   report.html      the run's report (report_html.h)
//   manifest.json    {"format","run_id","first_seq","last_seq","count","first_prev_hash",
//                     "head_hash","files":[{"name","sha256","bytes"}],"public_key",
//                     "key_fingerprint","created"}
//   manifest.sig     {"algorithm":"Ed25519","public_key","key_fingerprint","signature"}: the
//                    seal key's signature of "tcplan-audit-pack-v1" LF <manifest.json bytes>
//   SHA256SUMS       `sha256sum -c` convenience (unsigned; manifest.json is the authority)
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "audit/event.h"
#include "audit/seal.h"
#include "audit/verify.h"
#include "base/result.h"

namespace tcplan::audit {

class EventStore;

inline constexpr std::string_view kPackFormat = "tcplan-audit-pack-v1";

// Appends a trail_read / trail_exported event after the read. `run_id` is the run read
// ("" for the whole trail); `details` is a JSON object text (command, filters, file hashes).
base::Result<Event> record_trail_access(EventStore& store, EventKind kind,
                                        const std::string& run_id, const std::string& details_json);

struct PackedFile {
  std::string name;
  std::string sha256;
  std::size_t bytes = 0;
};

struct PackOptions {
  const SealKey* signer = nullptr;  // required: signs manifest.json
  std::string trusted_public_key;   // verification shown in the report (as `audit verify`)
  std::vector<Anchor> anchors;      // witness / expected head, for the report's verdict
  mode_t mode = 0600;               // of every file written
};

// Writes the pack into `dir` (created if needed, each file through temp file + rename) and
// records a trail_exported event. Returns the files the manifest lists.
base::Result<std::vector<PackedFile>> pack_run(EventStore& store, const std::string& run_id,
                                               const std::filesystem::path& dir,
                                               const PackOptions& options);

struct PackCheck {
  std::string run_id, key_fingerprint;
  std::int64_t first_seq = 0, last_seq = 0, count = 0;
  bool signature_ok = false;
  VerifyReport chain;                 // the rows of events.jsonl as a slice of the chain
  std::vector<std::string> problems;  // empty: the pack is what its signer wrote
  bool ok() const { return problems.empty(); }
};

// Checks a pack on its own: the manifest's signature (and, when given, that it is by
// `trusted_public_key`), every file's digest, and that events.jsonl holds exactly the rows
// first_seq..last_seq as an unbroken chain ending at head_hash. A removed, reordered or
// edited row is named by its seq. Fails (an error value) only when the pack cannot be read.
base::Result<PackCheck> verify_pack(const std::filesystem::path& dir,
                                    const std::string& trusted_public_key);
std::string describe(const PackCheck& check);

}  // namespace tcplan::audit
