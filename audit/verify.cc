// Chain, seq and seal checks (see verify.h).
#include "audit/verify.h"

#include <algorithm>
#include <boost/json/parse.hpp>

#include "audit/chain.h"
#include "audit/event_store.h"
#include "audit/seal.h"

namespace tcplan::audit {
namespace {

bool is_trail_read(EventKind k) {
  return k == EventKind::kTrailRead || k == EventKind::kTrailExported;
}

bool same_call(const InFlight& f, const Event& e) {
  return f.run_id == e.run_id && f.step_id == e.step_id && f.item == e.item &&
         f.attempt == e.attempt && f.action == e.action;
}

// Checks a seal event against the hash of the event before it (`head_hash`, empty when that
// event is not available, as in a filtered export). Returns the problem, if any.
std::optional<std::string> check_seal(const Event& e, const std::string& head_hash,
                                      const std::string& trusted_key, std::string& fingerprint) {
  boost::system::error_code ec;
  auto v = boost::json::parse(e.payload, ec);
  if (ec || !v.is_object()) return "seal payload is not JSON";
  const auto& o = v.as_object();
  auto str = [&](const char* k) -> std::string {
    auto* f = o.if_contains(k);
    return f != nullptr && f->is_string() ? std::string(f->as_string()) : std::string();
  };
  auto* seq_field = o.if_contains("head_seq");
  if (str("format") != kSealFormat || seq_field == nullptr || !seq_field->is_int64()) {
    return "seal payload is not a " + std::string(kSealFormat) + " seal";
  }
  std::int64_t head_seq = seq_field->as_int64();
  if (head_seq != e.seq - 1) {
    return "seal signs head " + std::to_string(head_seq) + ", not the event before it";
  }
  std::string claimed = str("head_hash");
  if (claimed != e.prev_hash || (!head_hash.empty() && claimed != head_hash)) {
    return "seal signs head hash " + claimed.substr(0, 16) + "…, but event " +
           std::to_string(head_seq) + " hashes to " + head_hash.substr(0, 16) + "…";
  }
  std::string pub = str("public_key");
  fingerprint = key_fingerprint(pub);
  if (!verify_signature(pub, seal_message(e.run_id, head_seq, claimed), str("signature"))) {
    return "Ed25519 signature does not verify (key " + fingerprint + ")";
  }
  if (!trusted_key.empty() && pub != trusted_key) {
    return "signed by key " + fingerprint + ", not by the trusted key " +
           key_fingerprint(trusted_key);
  }
  return std::nullopt;
}

}  // namespace

std::string_view problem_name(ProblemKind kind) {
  switch (kind) {
    case ProblemKind::kSeqGap:
      return "gap in seq";
    case ProblemKind::kPrevHashMismatch:
      return "prev_hash mismatch";
    case ProblemKind::kHashMismatch:
      return "hash mismatch";
    case ProblemKind::kSealInvalid:
      return "seal invalid";
  }
  return "unknown";
}

ChainVerifier::ChainVerifier(VerifyOptions options)
    : options_(std::move(options)), prev_hash_(kGenesisHash) {}

bool ChainVerifier::feed(const Event& e) {
  if (report_.problem) return false;
  auto fail = [&](ProblemKind kind, std::int64_t seq, std::string detail) {
    report_.problem = Problem{kind, seq, std::move(detail)};
    return false;
  };
  bool contiguous = e.seq == expected_seq_;
  if (!contiguous) {
    if (!options_.allow_gaps || e.seq < expected_seq_) {
      return fail(ProblemKind::kSeqGap, expected_seq_,
                  e.seq > expected_seq_
                      ? "event " + std::to_string(expected_seq_) + " is missing (next is " +
                            std::to_string(e.seq) + ")"
                      : "event " + std::to_string(e.seq) + " is out of order or duplicated");
    }
    prev_hash_ = e.prev_hash;  // a filtered export: the link cannot be checked here
  }
  if (report_.events == 0) report_.first_seq = e.seq;
  if (e.prev_hash != prev_hash_) {
    return fail(ProblemKind::kPrevHashMismatch, e.seq,
                "prev_hash " + e.prev_hash.substr(0, 16) + "… is not the hash of event " +
                    std::to_string(e.seq - 1) + " (" + prev_hash_.substr(0, 16) + "…)");
  }
  std::string recomputed = chain_hash(e.prev_hash, e);
  if (recomputed != e.hash) {
    return fail(ProblemKind::kHashMismatch, e.seq,
                "stored hash " + e.hash.substr(0, 16) + "… but the row hashes to " +
                    recomputed.substr(0, 16) + "…: the row was modified");
  }
  if (e.kind == EventKind::kSealed) {
    std::string fingerprint;
    auto bad = check_seal(e, contiguous ? prev_hash_ : std::string(), options_.trusted_public_key,
                          fingerprint);
    if (bad) return fail(ProblemKind::kSealInvalid, e.seq, *bad);
    if (std::find(report_.key_fingerprints.begin(), report_.key_fingerprints.end(), fingerprint) ==
        report_.key_fingerprints.end()) {
      report_.key_fingerprints.push_back(fingerprint);
    }
    ++report_.seals;
    report_.last_seal_seq = e.seq;
    first_unsealed_any_.reset();
    first_unsealed_run_.clear();
  } else if (!is_trail_read(e.kind)) {
    // Reading the trail appends a trail_read event after the last seal. It records a read,
    // changes nothing that was done, and an attacker gains nothing by cutting it that they
    // could not gain by cutting any unsealed event; so it does not make the trail unsealed.
    bool counts = options_.run_id.empty() || e.run_id == options_.run_id;
    if (counts && !first_unsealed_any_) {
      first_unsealed_any_ = e.seq;
      first_unsealed_run_ = e.run_id;
    }
  }
  if (!options_.run_id.empty() && e.run_id == options_.run_id) run_seen_ = true;
  if (e.kind == EventKind::kRequestSent) {
    pending_.push_back(InFlight{e.seq, e.run_id, e.step_id, e.item, e.action, e.attempt});
  } else if (e.kind == EventKind::kResponseReceived || e.kind == EventKind::kTransportError) {
    auto it = std::find_if(pending_.begin(), pending_.end(),
                           [&](const InFlight& f) { return same_call(f, e); });
    if (it != pending_.end()) pending_.erase(it);
  }
  prev_hash_ = e.hash;
  expected_seq_ = e.seq + 1;
  report_.last_seq = e.seq;
  report_.head_hash = e.hash;
  ++report_.events;
  return true;
}

VerifyReport ChainVerifier::finish() {
  if (!report_.problem) {
    report_.first_unsealed_seq = first_unsealed_any_;
    report_.unsealed_run_id = first_unsealed_run_;
    for (const auto& f : pending_) {
      if (options_.run_id.empty() || f.run_id == options_.run_id) report_.in_flight.push_back(f);
    }
  }
  if (!options_.run_id.empty()) report_.run_found = run_seen_;
  return report_;
}

base::Result<VerifyReport> verify_store(const EventStore& store, const VerifyOptions& options) {
  ChainVerifier verifier(options);
  auto scanned = store.scan(1, [&](const Event& e) { return verifier.feed(e); });
  if (!scanned) return scanned.error();
  return verifier.finish();
}

std::string describe(const VerifyReport& r) {
  std::string out;
  if (r.problem) {
    out += "NOT INTACT: event " + std::to_string(r.problem->seq) + ": " +
           std::string(problem_name(r.problem->kind)) + ": " + r.problem->detail + "\n";
    out += "events 1.." + std::to_string(r.problem->seq - 1) + " check out; nothing from event " +
           std::to_string(r.problem->seq) + " on can be trusted\n";
    return out;
  }
  if (!r.run_found) out += "no events for this run\n";
  out += "chain intact: " + std::to_string(r.events) + " events (seq " +
         std::to_string(r.first_seq) + ".." + std::to_string(r.last_seq) + "), head " +
         r.head_hash.substr(0, 16) + "…\n";
  out += "seals: " + std::to_string(r.seals) + " valid";
  if (r.seals > 0) out += ", last at event " + std::to_string(r.last_seal_seq);
  if (!r.key_fingerprints.empty()) {
    out += ", key";
    for (const auto& k : r.key_fingerprints)
      out += " " + k;
  }
  out += "\n";
  if (r.first_unsealed_seq) {
    out += "NOT SEALED: events from " + std::to_string(*r.first_unsealed_seq) + " (run " +
           r.unsealed_run_id +
           ") come after the last seal: the run is still going, crashed before sealing, or "
           "its seal was removed\n";
  }
  for (const auto& f : r.in_flight) {
    out += "in flight (not tampering): event " + std::to_string(f.seq) + " " + f.action +
           " of run " + f.run_id + " step " + f.step_id + " attempt " + std::to_string(f.attempt) +
           " has no response recorded; resume reconciles it\n";
  }
  return out;
}

}  // namespace tcplan::audit
