// Checking the trail: recompute every hash of the chain, check seq continuity, every seal's
// signature, counter and link to the previous seal, and — given a witness or an expected head
// (anchors) — that the trail still reaches what was recorded outside it. Says what is wrong
// and where. Distinguishes tampering or corruption (a bad row: exit 1, resume refuses) from a
// trail that is merely not sealed yet, and names requests that are in flight (sent, no
// response recorded: resume reconciles them).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/event.h"
#include "base/result.h"

namespace tcplan::audit {

class EventStore;

enum class ProblemKind {
  kSeqGap,            // an event is missing: `seq` is the first missing seq
  kPrevHashMismatch,  // the row's prev_hash is not the previous row's hash
  kHashMismatch,      // the row's content does not hash to its stored hash
  kSealInvalid,       // bad signature, wrong head, untrusted key, wrong counter or link
  kTruncated,         // an anchor's event is beyond the end: `seq` is the first missing seq
  kAnchorMismatch,    // the event an anchor names hashes differently: rewritten
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

// Something recorded outside the trail that the trail must still contain: a witness (seal
// counter, seq, hash) or an expected head from a ticket (a hash, with or without its seq).
struct Anchor {
  std::string source;        // "witness file /k/audit.db.witness", "--expect-head"
  std::int64_t seq = 0;      // 0: unknown (a bare hash), any event may match
  std::string hash;          // full 64 hex, or a prefix of at least 16 hex digits
  std::int64_t counter = 0;  // the seal counter a witness recorded (0: none)
};

// "HASH" or "SEQ:HASH" (HASH: 16 to 64 lowercase hex digits), as --expect-head takes it.
base::Result<Anchor> parse_expected_head(std::string_view text);

struct VerifyOptions {
  std::string run_id;              // non-empty: report unsealed/in-flight for this run only
  std::string trusted_public_key;  // non-empty (hex): every seal must be by this key
  bool allow_gaps = false;         // a filtered export: check rows and links where contiguous
  std::vector<Anchor> anchors;     // empty: truncation to an earlier seal cannot be ruled out
  // Where the events fed start: seq 1 after the genesis hash for a whole trail; a pack's
  // slice starts later, after the hash its signed manifest names.
  std::int64_t first_seq = 1;
  std::string first_prev_hash;  // empty: the genesis hash
};

struct VerifyReport {
  std::int64_t events = 0, first_seq = 0, last_seq = 0;
  std::int64_t seals = 0, last_seal_seq = 0, last_seal_counter = 0;
  std::string last_seal_hash;  // what to record in a ticket: --expect-head SEQ:HASH
  std::string head_hash;
  std::vector<std::string> key_fingerprints;  // distinct keys that signed seals
  std::string trusted_fingerprint;            // the key seals were pinned to ("" : none)
  std::optional<Problem> problem;             // the first one; checking stops there
  // The first event after the last seal (trail reads excluded: see verify.cc). Set when
  // the trail ends in a run that is still going, crashed, or whose seal was cut off.
  std::optional<std::int64_t> first_unsealed_seq;
  std::string unsealed_run_id;
  std::vector<InFlight> in_flight;
  bool run_found = true;            // false when options.run_id has no events
  std::vector<Anchor> anchors_met;  // anchors the trail reaches (all of them when intact)
  bool anchored = false;            // anchors were given: truncation could be checked

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
  // The previous seal seen, for checking the next one's counter and link. Known only when
  // every event since seq 1 was seen (not in a filtered export or a pack's slice).
  bool seal_baseline_ = true;
  std::int64_t seal_counter_ = 0;
  std::string seal_hash_;
  std::vector<bool> anchor_met_;
};

base::Result<VerifyReport> verify_store(const EventStore& store, const VerifyOptions& options);

// Human-readable summary: "intact", or the first bad seq and what is wrong, plus unsealed,
// witness and in-flight notes. One line per fact. Without anchors it says that truncation to
// an earlier seal cannot be ruled out.
std::string describe(const VerifyReport& report);

}  // namespace tcplan::audit
