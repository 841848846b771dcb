// Plan string templates (${vars.X}, ${steps.ID.FIELD[0]}, $${ escapes): a string that parses
// is exactly its parts written back (literals re-escaped, references as written), and every
// reference's offset points at its own text.
#include "fuzz/fuzz_check.h"
#include "planner/reference.h"

namespace {

// "${" in literal text is written "$${".
std::string escape_literal(const std::string& literal) {
  std::string out;
  for (std::size_t i = 0; i < literal.size(); ++i) {
    if (literal.compare(i, 2, "${") == 0) out += '$';
    out += literal[i];
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = tcplan::fuzz::as_text(data, size);
  auto parsed = tcplan::planner::parse_template(text);
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.error().offset < text.size(), text);
    FUZZ_CHECK(!parsed.error().message.empty(), text);
    return 0;
  }
  std::string rebuilt;
  bool previous_literal = false;
  for (const auto& part : parsed->parts) {
    if (const auto* literal = std::get_if<std::string>(&part)) {
      FUZZ_CHECK(!literal->empty(), text);
      FUZZ_CHECK(!previous_literal, text);  // adjacent literals are merged
      previous_literal = true;
      rebuilt += escape_literal(*literal);
      continue;
    }
    previous_literal = false;
    const auto& ref = std::get<tcplan::planner::Reference>(part);
    FUZZ_CHECK(ref.offset == rebuilt.size(), text);
    FUZZ_CHECK(text.substr(ref.offset, ref.text.size()) == ref.text, text);
    FUZZ_CHECK(ref.text.size() >= 3 && ref.text.compare(0, 2, "${") == 0 && ref.text.back() == '}',
               ref.text);
    if (ref.kind == tcplan::planner::Reference::Kind::kStep)
      FUZZ_CHECK(!ref.name.empty() && !ref.field.empty(), ref.text);
    rebuilt += ref.text;
  }
  FUZZ_CHECK(rebuilt == text, rebuilt);
  FUZZ_CHECK(parsed->has_references() == !parsed->references().empty(), text);
  return 0;
}
