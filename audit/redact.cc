// Redaction rules (see redact.h for what is redacted and why).
#include "audit/redact.h"

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>

#include "base/text.h"

namespace tcplan::audit {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

bool is_secret_field_name(std::string_view name) {
  if (name == "ClientToken" || name == "TagKey") return false;
  std::string n = base::ascii_lower(name);
  static constexpr std::array<std::string_view, 6> kWords{"password", "passwd", "secret",
                                                          "key",      "token",  "signature"};
  for (std::string_view w : kWords) {
    if (n.find(w) != std::string::npos) return true;
  }
  return ends_with(n, "pass") || n == "pwd";
}

std::string redact_authorization(std::string_view value) {
  auto at = value.find("Signature=");
  if (at == std::string_view::npos) return std::string(kRedacted);
  std::string out(value.substr(0, at + 10));
  out += kRedacted;
  // Anything after the signature (another comma-separated item) is kept as it was.
  auto end = value.find(',', at);
  if (end != std::string_view::npos) out += value.substr(end);
  return out;
}

void Redactor::add_secret(std::string value) {
  if (value.size() < 4) return;
  if (std::find(secrets_.begin(), secrets_.end(), value) != secrets_.end()) return;
  secrets_.push_back(std::move(value));
  // Longest first, so a secret that contains another is replaced whole.
  std::sort(secrets_.begin(), secrets_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string Redactor::redact_text(std::string text) const {
  for (const std::string& secret : secrets_) {
    for (auto pos = text.find(secret); pos != std::string::npos;
         pos = text.find(secret, pos + kRedacted.size())) {
      text.replace(pos, secret.size(), kRedacted);
    }
  }
  return text;
}

void Redactor::redact_json(boost::json::value& value) const {
  if (auto* obj = value.if_object()) {
    for (auto& field : *obj) {
      std::string_view key = field.key();
      if (is_secret_field_name(key)) {
        field.value() = kRedacted;
      } else if (key == "Authorization" && field.value().is_string()) {
        field.value() = redact_authorization(field.value().as_string());
      } else {
        redact_json(field.value());
      }
    }
  } else if (auto* arr = value.if_array()) {
    for (auto& element : *arr)
      redact_json(element);
  } else if (auto* str = value.if_string()) {
    if (!secrets_.empty()) *str = redact_text(std::string(*str));
  }
}

std::string Redactor::redact_payload(std::string_view json_text) const {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json_text, ec);
  if (ec) {
    boost::json::object wrapped;
    wrapped["unparsed"] = redact_text(std::string(json_text));
    return boost::json::serialize(wrapped);
  }
  redact_json(v);
  // Secrets hidden inside a string that is itself JSON text (a raw body) were handled by
  // redact_text above; a final pass catches any split across escapes.
  return redact_text(boost::json::serialize(v));
}

}  // namespace tcplan::audit
