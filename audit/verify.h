// Checking the trail: recompute every hash of the chain, check seq continuity and every
// seal's signature, and say what is wrong and where. Distinguishes tampering or corruption
// (a bad row: exit 1, resume refuses) from a trail that is merely not sealed yet, and names
// requests that are in flight (sent, no response recorded: resume reconciles them).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "audit/event.h"
#include "base/result.h"

namespace tcplan::audit {

class EventStore;

enum class ProblemKind {
  kSeqGap,            // an event is missing: `seq` is the first missing seq
  kPrevHashMismatch,  // the row's prev_hash is not the previous row's hash
  kHashMismatch,      // the row's content does not hash to its stored hash
  kSealInvalid,       // bad signature, wrong head, untrusted key, unreadable seal payload
};
std::string_view problem_name(ProblemKind kind);

struct Problem {
  ProblemKind kind;
  std::int64_t seq = 0;
  std::string detail;
};

struct InFlight {
  std::int64_t seq = 0;  // the request_sent event
  std::string run_id, step_id, item, action;
  std::int64_t attempt = 0;
};

struct VerifyOptions {
  std::string run_id;              // non-empty: report unsealed/in-flight for this run only
  std::string trusted_public_key;  // non-empty (hex): every seal must be by this key
  bool allow_gaps = false;         // a filtered export: check rows and links where contiguous
};

struct VerifyReport {
  std::int64_t events = 0, first_seq = 0, last_seq = 0;
  std::int64_t seals = 0, last_seal_seq = 0;
  std::string head_hash;
  std::vector<std::string> key_fingerprints;  // distinct keys that signed seals
  std::optional<Problem> problem;             // the first one; checking stops there
  // The first event after the last seal (trail reads excluded: see verify.cc). Set when
  // the trail ends in a run that is still going, crashed, or whose seal was cut off.
  std::optional<std::int64_t> first_unsealed_seq;
  std::string unsealed_run_id;
  std::vector<InFlight> in_flight;
  bool run_found = true;  // false when options.run_id has no events

  bool intact() const { return !problem.has_value(); }
  bool sealed() const { return !first_unsealed_seq.has_value(); }
  bool ok() const { return intact() && sealed() && run_found; }
};

// Feeds events in seq order; usable over a store or over an exported JSONL file.
class ChainVerifier {
 public:
  explicit ChainVerifier(VerifyOptions options);
  // Returns false once a problem was found (feeding more is pointless).
  bool feed(const Event& e);
  VerifyReport finish();

 private:
  VerifyOptions options_;
  VerifyReport report_;
  std::string prev_hash_;
  std::int64_t expected_seq_ = 1;
  bool run_seen_ = false;
  std::optional<std::int64_t> first_unsealed_any_;
  std::string first_unsealed_run_;
  std::vector<InFlight> pending_;
};

base::Result<VerifyReport> verify_store(const EventStore& store, const VerifyOptions& options);

// Human-readable summary: "intact", or the first bad seq and what is wrong, plus unsealed
// and in-flight notes. One line per fact.
std::string describe(const VerifyReport& report);

}  // namespace tcplan::audit
