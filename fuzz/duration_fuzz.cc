// Durations ("1h30m", "500ms"): any text either fails to parse or parses to a duration whose
// canonical spelling parses back to the same value and is a fixed point of format(parse()).
// The first 8 bytes also drive format_duration directly with an arbitrary count.
#include <cstring>

#include "base/duration.h"
#include "fuzz/fuzz_check.h"

using tcplan::base::format_duration;
using tcplan::base::Millis;
using tcplan::base::parse_duration;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = tcplan::fuzz::as_text(data, size);
  if (auto d = parse_duration(text)) {
    FUZZ_CHECK(d->count() >= 0, text);
    const std::string canonical = format_duration(*d);
    auto again = parse_duration(canonical);
    FUZZ_CHECK(again.has_value(), canonical);
    FUZZ_CHECK(*again == *d, canonical);
    FUZZ_CHECK(format_duration(*again) == canonical, canonical);
    // Text that is already canonical is kept exactly.
    if (text == canonical) FUZZ_CHECK(canonical == std::string(text));
  }
  if (size >= 8) {
    std::int64_t count = 0;
    std::memcpy(&count, data, sizeof count);
    // parse_duration takes at most 10^9 of each unit: every count up to 10^9 hours has a
    // spelling it accepts.
    constexpr std::int64_t kMaxSpelled = 1'000'000'000LL * 3'600'000;
    if (count >= 0 && count <= kMaxSpelled) {
      const std::string spelled = format_duration(Millis(count));
      auto parsed = parse_duration(spelled);
      FUZZ_CHECK(parsed.has_value(), spelled);
      FUZZ_CHECK(parsed->count() == count, spelled);
    }
  }
  return 0;
}
