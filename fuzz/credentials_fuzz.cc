// Credentials files: the first byte picks the parser (the ~/.tencentcloud/credentials INI or
// tccli's JSON ~/.tccli/<profile>.credential), the rest is the file. A parse gives a whole key
// pair or nothing, and no error message ever repeats a value from the file (it may be a
// pasted secret).
#include <vector>

#include "api/credentials.h"
#include "base/text.h"
#include "fuzz/fuzz_check.h"

namespace {

// Every "= value" and every JSON string in the file: what an error must not repeat.
std::vector<std::string> values_in(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (auto eq = line.find('='); eq != std::string_view::npos)
      out.emplace_back(tcplan::base::trim(line.substr(eq + 1), " \t\r\n\"'"));
    for (std::size_t q = line.find('"'); q != std::string_view::npos;) {
      std::size_t close = line.find('"', q + 1);
      if (close == std::string_view::npos) break;
      out.emplace_back(line.substr(q + 1, close - q - 1));
      q = line.find('"', close + 1);
    }
    start = end + 1;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const bool tccli = (data[0] & 1) != 0;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string where =
      tccli ? "/home/u/.tccli/default.credential" : "/home/u/.tencentcloud/credentials";
  auto parsed = tccli ? tcplan::api::parse_tccli_credential(text, where)
                      : tcplan::api::parse_credentials_ini(text, where, "default");
  if (!parsed.ok()) {
    const std::string& message = parsed.error().message;
    FUZZ_CHECK(message.rfind(where, 0) == 0, message);
    // Values of 8 bytes or more could be keys (SecretIds are 36, SecretKeys 32); shorter ones
    // also match the file name or the fixed wording by chance.
    // The parsers' own wording (a value may happen to be a phrase of it).
    static constexpr std::string_view kWording =
        " [default]: malformed section header expected key = value key outside any [section] "
        "secret_key is set but secret_id is missing secret_id is set but secret_key is missing "
        "not a JSON object secretKey is set but secretId is missing secretId is set but "
        "secretKey is missing secret_id secret_key secretId secretKey token region holds a "
        "control character";
    for (const auto& value : values_in(text)) {
      if (value.size() >= 8 && where.find(value) == std::string::npos &&
          kWording.find(value) == std::string_view::npos)
        FUZZ_CHECK(message.find(value) == std::string::npos, message);
    }
    return 0;
  }
  if (!parsed->has_value()) return 0;
  const tcplan::api::Credentials& c = **parsed;
  FUZZ_CHECK(!c.secret_id.empty() && !c.secret_key.empty(), text);
  FUZZ_CHECK(c.source.rfind(where, 0) == 0, c.source);
  // These go into headers and signatures: no control character survives a parse.
  for (const std::string* v : {&c.secret_id, &c.secret_key, &c.token, &c.region}) {
    for (unsigned char ch : *v)
      FUZZ_CHECK(ch >= 0x20 && ch != 0x7f, "a control character in a parsed credential");
  }
  tcplan::api::Credentials copy = c;
  tcplan::api::wipe(copy.secret_key);
  FUZZ_CHECK(copy.secret_key.empty());
  return 0;
}
