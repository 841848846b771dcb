// `audit verify` and `audit report` over a mutated pack: the input is the pack's
// events.jsonl (seeded with the reference trail's export). A file that parses is exported
// again and must read back to the same events; when it verifies against the trusted seal key,
// every sealed event must be exactly the one that was sealed; and the report renders.
#include "audit/export.h"
#include "fuzz/audit_checks.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)tcplan::fuzz::reference_trail();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace audit = tcplan::audit;
  const auto& ref = tcplan::fuzz::reference_trail();
  auto events = audit::parse_jsonl(tcplan::fuzz::as_text(data, size));
  if (!events) return 0;

  // Export -> parse is the identity on every chain field.
  auto again = audit::parse_jsonl(audit::to_jsonl(*events));
  FUZZ_CHECK(again.ok(), again.ok() ? "" : again.error().message);
  FUZZ_CHECK(again->size() == events->size());
  for (std::size_t i = 0; i < events->size(); ++i) {
    const auto& a = (*events)[i];
    const auto& b = (*again)[i];
    FUZZ_CHECK(audit::canonical_bytes(a) == audit::canonical_bytes(b) && a.hash == b.hash &&
                   a.prev_hash == b.prev_hash,
               "event " + std::to_string(a.seq) + " changes in an export round trip");
  }
  (void)audit::to_csv(*events);

  audit::VerifyOptions options;
  options.trusted_public_key = ref.public_key_hex;
  audit::ChainVerifier verifier(options);
  for (const auto& e : *events)
    if (!verifier.feed(e)) break;
  const audit::VerifyReport report = verifier.finish();
  (void)audit::describe(report);
  tcplan::fuzz::check_verified_trail(report, *events);
  tcplan::fuzz::check_reports(report, *events);
  return 0;
}
