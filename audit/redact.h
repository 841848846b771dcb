// Redaction applied to every event before it is hashed and written: secrets never reach the
// audit DB, its exports or reports. Two rules, both recursive over JSON payloads:
//  - by name: a field whose name says password/passwd/secret/key/token/signature (any case),
//    or ends in "pass" (MetaDataPass), becomes "[REDACTED]" whatever its value;
//    ClientToken and TagKey are kept (an idempotency token and a tag name are not secrets,
//    and a reviewer needs both). An "Authorization" value keeps its algorithm, Credential
//    (SecretId/date/service) and SignedHeaders, and loses only its Signature.
//  - by value: registered values (the SecretKey, values filled from ${env.X}) are replaced
//    wherever they occur, in any field or string, inside JSON or not.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace tcplan::audit {

inline constexpr std::string_view kRedacted = "[REDACTED]";

bool is_secret_field_name(std::string_view name);

// "TC3-HMAC-SHA256 Credential=AKID/2019-02-25/cvm/tc3_request, SignedHeaders=..,
// Signature=abc" -> the same with "Signature=[REDACTED]". A value of another shape is
// redacted as a whole (it may be a bearer secret).
std::string redact_authorization(std::string_view value);

class Redactor {
 public:
  // Values shorter than 4 bytes are ignored: replacing "1" everywhere would destroy the
  // record while protecting nothing (no credential or password is that short).
  void add_secret(std::string value);
  const std::vector<std::string>& secrets() const { return secrets_; }

  // Replaces every registered value occurring in `text`.
  std::string redact_text(std::string text) const;
  // Both rules, in place, recursively.
  void redact_json(boost::json::value& value) const;
  // Parses JSON text, redacts it and serialises it again. Text that is not JSON is kept as
  // {"unparsed": "<text with values redacted>"} so the payload column is always JSON.
  std::string redact_payload(std::string_view json_text) const;

 private:
  std::vector<std::string> secrets_;
};

}  // namespace tcplan::audit
