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

struct SealFields {
  std::int64_t counter = 0;  // 0 for a version 1 seal
  std::string prev_seal_hash;
};

// Checks a seal event against the hash of the event before it (`head_hash`, empty when that
// event is not available, as in a filtered export). Returns the problem, if any.
std::optional<std::string> check_seal(const Event& e, const std::string& head_hash,
                                      const std::string& trusted_key, std::string& fingerprint,
                                      SealFields& fields) {
  boost::system::error_code ec;
  auto v = boost::json::parse(e.payload, ec);
  if (ec || !v.is_object()) return "seal payload is not JSON";
  const auto& o = v.as_object();
  auto str = [&](const char* k) -> std::string {
    auto* f = o.if_contains(k);
    return f != nullptr && f->is_string() ? std::string(f->as_string()) : std::string();
  };
  auto int_field = [&](const char* k) -> std::optional<std::int64_t> {
    auto* f = o.if_contains(k);
    if (f == nullptr || !f->is_int64()) return std::nullopt;
    return f->as_int64();
  };
  std::string format = str("format");
  auto head = int_field("head_seq");
  bool v2 = format == kSealFormat;
  if ((!v2 && format != kSealFormatV1) || !head) {
    return "seal payload is not a " + std::string(kSealFormat) + " seal";
  }
  if (v2) {
    auto counter = int_field("counter");
    fields.prev_seal_hash = str("prev_seal_hash");
    if (!counter || *counter < 1 || fields.prev_seal_hash.size() != 64) {
      return "seal has no valid counter and previous-seal hash";
    }
    fields.counter = *counter;
  }
  std::int64_t head_seq = *head;
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
  std::string message =
      v2 ? seal_message(e.run_id, fields.counter, head_seq, claimed, fields.prev_seal_hash)
         : seal_message_v1(e.run_id, head_seq, claimed);
  if (!verify_signature(pub, message, str("signature"))) {
    return "Ed25519 signature does not verify (key " + fingerprint + ")";
  }
  if (!trusted_key.empty() && pub != trusted_key) {
    return "signed by key " + fingerprint + ", not by the trusted key " +
           key_fingerprint(trusted_key);
  }
  return std::nullopt;
}

bool is_lower_hex(std::string_view s) {
  return s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

bool anchor_matches(const Anchor& a, const Event& e) {
  return e.hash.size() == 64 && e.hash.compare(0, a.hash.size(), a.hash) == 0;
}

std::string anchor_text(const Anchor& a) {
  std::string what = a.counter > 0 ? "seal " + std::to_string(a.counter) + " at " : "";
  what += a.seq > 0 ? "event " + std::to_string(a.seq) + " " : "an event ";
  return what + "with hash " + a.hash.substr(0, 16) + "…";
}

}  // namespace

base::Result<Anchor> parse_expected_head(std::string_view text) {
  Anchor a;
  a.source = "--expect-head";
  std::string_view hash = text;
  if (auto colon = text.find(':'); colon != std::string_view::npos) {
    std::string seq(text.substr(0, colon));
    hash = text.substr(colon + 1);
    if (seq.empty() || seq.find_first_not_of("0123456789") != std::string::npos) {
      return base::Error{"--expect-head " + std::string(text) + ": expected HASH or SEQ:HASH"};
    }
    a.seq = std::stoll(seq);
  }
  if (hash.size() < 16 || hash.size() > 64 || !is_lower_hex(hash)) {
    return base::Error{"--expect-head " + std::string(text) +
                       ": the hash must be 16 to 64 lowercase hex digits"};
  }
  a.hash = std::string(hash);
  return a;
}

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
    case ProblemKind::kTruncated:
      return "truncated";
    case ProblemKind::kAnchorMismatch:
      return "does not match its witness";
  }
  return "unknown";
}

ChainVerifier::ChainVerifier(VerifyOptions options)
    : options_(std::move(options)),
      prev_hash_(options_.first_prev_hash.empty() ? std::string(kGenesisHash)
                                                  : options_.first_prev_hash),
      expected_seq_(options_.first_seq),
      seal_hash_(kGenesisHash),
      anchor_met_(options_.anchors.size(), false) {}

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
    seal_baseline_ = false;    // nor the seal counter
  }
  if (report_.events == 0) {
    report_.first_seq = e.seq;
    seal_baseline_ = seal_baseline_ && e.seq == 1;  // a slice: earlier seals are unseen
  }
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
  for (std::size_t i = 0; i < options_.anchors.size(); ++i) {
    const Anchor& a = options_.anchors[i];
    if (anchor_met_[i]) continue;
    if (a.seq == e.seq && !anchor_matches(a, e)) {
      return fail(ProblemKind::kAnchorMismatch, e.seq,
                  "the row hashes to " + e.hash.substr(0, 16) + "…, but " + a.source +
                      " recorded " + anchor_text(a) +
                      ": the trail was rewritten from here (or the witness is another trail's)");
    }
    if ((a.seq == 0 || a.seq == e.seq) && anchor_matches(a, e)) anchor_met_[i] = true;
  }
  if (e.kind == EventKind::kSealed) {
    std::string fingerprint;
    SealFields fields;
    auto bad = check_seal(e, contiguous ? prev_hash_ : std::string(), options_.trusted_public_key,
                          fingerprint, fields);
    if (bad) return fail(ProblemKind::kSealInvalid, e.seq, *bad);
    std::int64_t counter = fields.counter > 0 ? fields.counter : seal_counter_ + 1;
    if (seal_baseline_ && fields.counter > 0) {
      if (fields.counter != seal_counter_ + 1) {
        return fail(ProblemKind::kSealInvalid, e.seq,
                    "seal counter " + std::to_string(fields.counter) + " follows seal " +
                        std::to_string(seal_counter_) + ": seals are missing or reordered");
      }
      if (fields.prev_seal_hash != seal_hash_) {
        return fail(ProblemKind::kSealInvalid, e.seq,
                    "seal links to previous seal " + fields.prev_seal_hash.substr(0, 16) +
                        "…, but the previous seal hashes to " + seal_hash_.substr(0, 16) + "…");
      }
    }
    seal_baseline_ = seal_baseline_ || fields.counter > 0;
    seal_counter_ = counter;
    seal_hash_ = e.hash;
    report_.last_seal_counter = counter;
    report_.last_seal_hash = e.hash;
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
  report_.anchored = !options_.anchors.empty();
  if (!options_.trusted_public_key.empty()) {
    report_.trusted_fingerprint = key_fingerprint(options_.trusted_public_key);
  }
  for (std::size_t i = 0; i < options_.anchors.size() && !report_.problem; ++i) {
    const Anchor& a = options_.anchors[i];
    if (anchor_met_[i]) {
      report_.anchors_met.push_back(a);
      continue;
    }
    std::int64_t end = report_.last_seq;
    std::string detail = "the trail ends at event " + std::to_string(end) + ", but " + a.source +
                         " recorded " + anchor_text(a);
    if (a.seq > end) {
      detail += ": events " + std::to_string(end + 1) + ".." + std::to_string(a.seq) +
                " are missing (" + std::to_string(a.seq - end) + " events";
      if (a.counter > report_.last_seal_counter) {
        detail += a.counter == report_.last_seal_counter + 1
                      ? ", including seal " + std::to_string(a.counter)
                      : ", including seals " + std::to_string(report_.last_seal_counter + 1) +
                            ".." + std::to_string(a.counter);
      }
      detail += "): the trail was cut back";
    } else {
      detail += ", and no event has that hash: the trail was cut back before it, or rewritten";
    }
    report_.problem = Problem{ProblemKind::kTruncated, end + 1, detail};
  }
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
    const Problem& p = *r.problem;
    std::string seq = std::to_string(p.seq);
    if (p.kind == ProblemKind::kTruncated) {
      out += "TRUNCATED: " + p.detail + "\n";
      out += "events up to " + std::to_string(p.seq - 1) +
             " check out, but whatever came after them is gone\n";
    } else {
      out += "NOT INTACT: event " + seq + ": " + std::string(problem_name(p.kind)) + ": " +
             p.detail + "\n";
      out += "events " + std::to_string(r.first_seq > 0 ? r.first_seq : 1) + ".." +
             std::to_string(p.seq - 1) + " check out; nothing from event " + seq +
             " on can be trusted\n";
    }
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
  if (r.seals > 0) {
    out += "last seal: seal " + std::to_string(r.last_seal_counter) + ", --expect-head " +
           std::to_string(r.last_seal_seq) + ":" + r.last_seal_hash + "\n";
  }
  if (!r.anchored) {
    out +=
        "no witness: truncation back to an earlier seal cannot be ruled out (check with the "
        "witness, --audit-witness, or a head you recorded, --expect-head SEQ:HASH)\n";
  }
  for (const auto& a : r.anchors_met) {
    out += "witness: " + a.source + " recorded " + anchor_text(a) +
           "; the trail still reaches it (not cut back)\n";
  }
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
