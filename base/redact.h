// The one redaction rule: what must never be written anywhere (the audit trail, logs at every
// level, error messages, exports, reports, packs), and the escaping of server strings before
// they reach a terminal. Everything that writes text a person or a file will see goes through
// here; nothing keeps a word list of its own.
//
// Two rules, both recursive over JSON:
//  - by name: a field whose name says password/passwd/pwd/secret/key/token/signature (any
//    case), or ends in "pass" (MetaDataPass), becomes "[REDACTED]" whatever its value;
//    ClientToken and TagKey are kept (an idempotency token and a tag name are not secrets, and
//    a reviewer needs both). An "Authorization" value keeps its algorithm, Credential
//    (SecretId/date/service) and SignedHeaders, and loses only its Signature.
//  - by value: registered values (the SecretKey, the session token, values filled from
//    ${env.X}) are replaced wherever they occur, in any field or string, inside JSON or not.
//
// Registered values live in one process-wide Redactor (process_redactor()): the API client
// registers its credentials, reference resolution registers every ${env.X} value it reads, so
// the value is known before any request built from it exists. Thread-safe: values may be
// registered while other threads redact.
#pragma once

#include <boost/json/value.hpp>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace tcplan::base {

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
  // Registered values are wiped when the Redactor is destroyed, and none is ever copied out.
  Redactor() = default;
  Redactor(const Redactor&) = delete;
  Redactor& operator=(const Redactor&) = delete;
  ~Redactor();
  void add_secret(std::string value);
  std::size_t secret_count() const;

  // Replaces every registered value occurring in `text`.
  std::string redact_text(std::string text) const;
  // Both rules, in place, recursively.
  void redact_json(boost::json::value& value) const;
  // Parses JSON text, redacts it and serialises it again. Text that is not JSON is kept as
  // {"unparsed": "<text with values redacted>"} so a payload is always JSON.
  std::string redact_payload(std::string_view json_text) const;
  // One HTTP header as it may be shown: Authorization loses its signature, a header whose
  // name says secret/token is redacted whole, registered values are replaced in the rest.
  std::string redact_header(std::string_view name, std::string_view value) const;

 private:
  std::string redact_text_locked(std::string text) const;
  void redact_json_locked(boost::json::value& value) const;

  mutable std::shared_mutex mu_;
  std::vector<std::string> secrets_;  // longest first
};

// The process's registered values, shared by every writer.
Redactor& process_redactor();

// Control characters (C0, DEL, and the C1 range as UTF-8) as visible escapes ("\x1b", "\n"),
// so a string from a server cannot move the cursor, recolour or retitle a terminal.
// With keep_newlines, "\n" stays a line break (multi-line reports of our own making).
std::string escape_control(std::string_view text, bool keep_newlines = false);

// What every message printed to a terminal or log goes through: registered values replaced
// (process_redactor()), then control characters escaped.
std::string printable(std::string_view text);
// The same for several lines of text: line breaks are kept.
std::string printable_lines(std::string_view text);

}  // namespace tcplan::base
