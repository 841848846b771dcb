// Credentials files: the first byte picks the parser (the ~/.tencentcloud/credentials INI or
// tccli's JSON ~/.tccli/<profile>.credential), the rest is the file. A parse gives a whole key
// pair or nothing, and no error message ever repeats a value from the file (it may be a
// pasted secret).
#include <regex>

#include "api/credentials.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const bool tccli = (data[0] & 1) != 0;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string where =
      tccli ? "/home/u/.tccli/default.credential" : "/home/u/.tencentcloud/credentials";
  auto parsed = tccli ? tcplan::api::parse_tccli_credential(text, where)
                      : tcplan::api::parse_credentials_ini(text, where, "default");
  if (!parsed.ok()) {
    // Every message is the file's name, maybe a line number or the section, and fixed words:
    // nothing else, so no value from the file (it may be a pasted secret) can be in it.
    static const std::regex kShapes(
        ":[0-9]+: (malformed section header|expected key = value|key outside any \\[section\\])"
        "|( \\[default\\])?: (secret_id|secret_key|secretId|secretKey) is set but "
        "(secret_id|secret_key|secretId|secretKey) is missing"
        "|( \\[default\\])?: (secret_id|secret_key|secretId|secretKey|token|region) holds a "
        "control character"
        "|: not a JSON object");
    const std::string& message = parsed.error().message;
    FUZZ_CHECK(message.rfind(where, 0) == 0, message);
    FUZZ_CHECK(std::regex_match(message.substr(where.size()), kShapes), message);
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
