// `audit verify` and `audit report` over a mutated trail database: the input is a whole
// SQLite file (seeded with the reference trail of audit_reference.h, which libFuzzer then
// mutates byte by byte, so bytes of any column of any row change). Opening may fail and
// verification may fail; but when the trail verifies against the trusted seal key, every
// sealed event must be exactly the one that was sealed, and the report renders.
#include "fuzz/audit_checks.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)tcplan::fuzz::reference_trail();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace audit = tcplan::audit;
  const auto& ref = tcplan::fuzz::reference_trail();
  const auto db = ref.dir / "input.db";
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    std::filesystem::remove(db.string() + suffix);
  tcplan::fuzz::write_bytes(db, tcplan::fuzz::as_text(data, size));

  auto store = audit::EventStore::open(db, tcplan::fuzz::fixed_clock());
  if (!store) return 0;
  audit::VerifyOptions options;
  options.trusted_public_key = ref.public_key_hex;
  auto report = audit::verify_store(**store, options);
  if (!report) return 0;
  (void)audit::describe(*report);
  auto events = (*store)->query(audit::EventQuery{});
  if (!events) return 0;
  tcplan::fuzz::check_verified_trail(*report, *events);
  tcplan::fuzz::check_reports(*report, *events);
  return 0;
}
