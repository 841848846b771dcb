// The hash chain of the audit trail: the exact bytes that are hashed for each event, and how
// each event's hash depends on the one before it. This comment is the format specification.
//
// Chain format version 1 ("tcplan-audit-v1"):
//
//   canonical(e) = "tcplan-audit-v1" LF field*            ; exactly 21 fields, in this order:
//                  seq time_ms kind run_id step_id item attempt service action version region
//                  endpoint request_id client_token error_code http_status latency_us
//                  operator_user operator_host tool_version payload
//   field        = length ":" bytes LF
//   length       = decimal byte count of `bytes`, no leading zeros ("0" for empty)
//   bytes        = text fields: their UTF-8 bytes as stored (payload is the redacted JSON
//                  text exactly as stored, not re-serialised); integer fields: minimal
//                  decimal ASCII, "-" prefix when negative (e.g. "0", "42", "-1");
//                  kind: its stable name from event.h ("request_sent", ...)
//
//   hash(e)      = SHA-256( raw(prev_hash(e)) || canonical(e) )
//   prev_hash(e) = hash of the event with seq - 1; for seq 1 the genesis value
//   genesis      = 32 zero bytes (hex: 64 "0" characters)
//
// Hashes are stored and exported as 64 lowercase hex digits; raw() is their 32 bytes. The
// length prefixes make the encoding injective: no two different rows have the same bytes.
// Seqs start at 1 and increase by exactly 1 across all runs in one database: the chain is
// one line through every run, so a gap is detectable. Seals (seal.h) sign a chain head.
#pragma once

#include <string>
#include <string_view>

#include "audit/event.h"

namespace tcplan::audit {

inline constexpr std::string_view kChainVersion = "tcplan-audit-v1";
inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// The canonical bytes of `e` (every field above; e.prev_hash and e.hash are not included).
std::string canonical_bytes(const Event& e);

// hash(e) as 64 lowercase hex digits, given the previous hash in hex. An ill-formed
// prev_hash_hex (not 64 hex digits) is hashed as its text, so it can never match.
std::string chain_hash(std::string_view prev_hash_hex, const Event& e);

}  // namespace tcplan::audit
