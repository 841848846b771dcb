// Copying a trail between stores (see copy.h).
#include "audit/copy.h"

#include <boost/json/parse.hpp>

namespace tcplan::audit {
namespace {

constexpr std::size_t kCopyBatch = 500;

// The witness state a seal event stands for (what `verify` checked it against).
WitnessState seal_state(const Event& e, std::int64_t by_position) {
  WitnessState s{by_position, e.seq, e.hash, e.run_id, {}, e.time_ms};
  boost::system::error_code ec;
  auto v = boost::json::parse(e.payload, ec);
  if (ec || !v.is_object()) return s;
  const auto& o = v.as_object();
  if (const auto* c = o.if_contains("counter"); c != nullptr && c->is_int64()) {
    s.counter = c->as_int64();
  }
  if (const auto* f = o.if_contains("key_fingerprint"); f != nullptr && f->is_string()) {
    s.key_fingerprint = std::string(f->as_string());
  }
  return s;
}

}  // namespace

base::Result<CopyReport> copy_trail(const EventStore& from, EventStore& to,
                                    const std::function<void(std::int64_t)>& progress) {
  auto existing = to.last_seq();
  if (!existing) return existing.error();
  if (*existing != 0) {
    return base::Error{to.describe() + " already holds " + std::to_string(*existing) +
                       " events: a trail is copied only into an empty one"};
  }
  CopyReport report;

  // First the whole source is verified, so that nothing of a broken trail is written; then
  // exactly the verified events are copied (others may be appending meanwhile).
  ChainVerifier verifier(VerifyOptions{});
  auto checked = from.scan(1, [&](const Event& e) { return verifier.feed(e); });
  if (!checked) return checked.error();
  report.source = verifier.finish();
  if (!report.source.intact()) {
    const Problem& p = *report.source.problem;
    return base::Error{"not copying " + from.describe() + ": event " + std::to_string(p.seq) +
                       ": " + std::string(problem_name(p.kind)) +
                       (p.detail.empty() ? "" : " (" + p.detail + ")")};
  }
  const std::int64_t last = report.source.last_seq;

  std::vector<Event> batch;
  base::Status<base::Error> failed;
  auto flush = [&]() -> bool {
    if (batch.empty()) return true;
    if (auto ok = to.import_events(batch); !ok) {
      failed = ok.error();
      return false;
    }
    report.events = batch.back().seq;
    report.head_hash = batch.back().hash;
    batch.clear();
    if (progress) progress(report.events);
    return true;
  };
  auto copied = from.scan(1, [&](const Event& e) {
    if (e.seq > last) return false;
    if (e.kind == EventKind::kSealed) {
      report.sealed = seal_state(e, report.sealed ? report.sealed->counter + 1 : 1);
    }
    batch.push_back(e);
    return batch.size() < kCopyBatch || flush();
  });
  if (!copied) return copied.error();
  if (!failed) return failed.error();
  if (!flush()) return failed.error();
  if (report.events != last) {
    return base::Error{"copied " + std::to_string(report.events) + " of " + std::to_string(last) +
                       " events: the source changed under the copy"};
  }

  auto leases = from.leases();
  if (!leases) return leases.error();
  for (const auto& l : *leases) {
    if (auto ok = to.import_lease(l); !ok) return ok.error();
    ++report.leases;
  }
  return report;
}

}  // namespace tcplan::audit
