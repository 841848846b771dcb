// Moving a trail between stores (`tcplan audit copy FROM TO`): a local SQLite file into the
// team store, or back. Every event goes across verbatim — seq, hashes, seals — so the same
// `audit verify` passes on both ends; the source is verified (chain, seals) before anything is
// written, and the destination must be empty.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "audit/event_store.h"
#include "audit/verify.h"
#include "audit/witness.h"
#include "base/result.h"

namespace tcplan::audit {

struct CopyReport {
  std::int64_t events = 0;  // copied: seq 1 .. events
  std::int64_t leases = 0;
  std::string head_hash;
  VerifyReport source;                 // what verifying the source found (it was intact)
  std::optional<WitnessState> sealed;  // the last seal copied, for the destination's witnesses
};

// Copies every event of `from` (as of when the copy starts) and its lease rows into `to`,
// which must hold no events. Refuses a source whose chain or seals do not verify, naming the
// first bad seq. `progress` is told the number of events copied so far, every batch.
base::Result<CopyReport> copy_trail(const EventStore& from, EventStore& to,
                                    const std::function<void(std::int64_t)>& progress = {});

}  // namespace tcplan::audit
