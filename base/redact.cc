// The redaction rule and terminal escaping (see redact.h for what is redacted and why).
#include "base/redact.h"

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "base/text.h"

namespace tcplan::base {
namespace {

bool name_ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

bool is_secret_field_name(std::string_view name) {
  if (name == "ClientToken" || name == "TagKey") return false;
  std::string n = ascii_lower(name);
  static constexpr std::array<std::string_view, 6> kWords{"password", "passwd", "secret",
                                                          "key",      "token",  "signature"};
  for (std::string_view w : kWords) {
    if (n.find(w) != std::string::npos) return true;
  }
  return name_ends_with(n, "pass") || name_ends_with(n, "pwd");
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

Redactor::~Redactor() {
  for (std::string& secret : secrets_)
    ::explicit_bzero(secret.data(), secret.size());
}

void Redactor::add_secret(std::string value) {
  if (value.size() < 4) return;
  std::unique_lock lock(mu_);
  if (std::find(secrets_.begin(), secrets_.end(), value) != secrets_.end()) {
    ::explicit_bzero(value.data(), value.size());
    return;
  }
  secrets_.push_back(std::move(value));
  // Longest first, so a secret that contains another is replaced whole.
  std::stable_sort(secrets_.begin(), secrets_.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::size_t Redactor::secret_count() const {
  std::shared_lock lock(mu_);
  return secrets_.size();
}

std::string Redactor::redact_text(std::string text) const {
  std::shared_lock lock(mu_);
  return redact_text_locked(std::move(text));
}

std::string Redactor::redact_text_locked(std::string text) const {
  for (const std::string& secret : secrets_) {
    for (auto pos = text.find(secret); pos != std::string::npos;
         pos = text.find(secret, pos + kRedacted.size())) {
      text.replace(pos, secret.size(), kRedacted);
    }
  }
  return text;
}

void Redactor::redact_json(boost::json::value& value) const {
  std::shared_lock lock(mu_);
  redact_json_locked(value);
}

void Redactor::redact_json_locked(boost::json::value& value) const {
  if (auto* obj = value.if_object()) {
    for (auto& field : *obj) {
      std::string_view key = field.key();
      if (is_secret_field_name(key)) {
        field.value() = kRedacted;
      } else if (key == "Authorization" && field.value().is_string()) {
        field.value() = redact_authorization(field.value().as_string());
      } else {
        redact_json_locked(field.value());
      }
    }
  } else if (auto* arr = value.if_array()) {
    for (auto& element : *arr)
      redact_json_locked(element);
  } else if (auto* str = value.if_string()) {
    if (!secrets_.empty()) *str = redact_text_locked(std::string(*str));
  }
}

std::string Redactor::redact_payload(std::string_view json_text) const {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json_text, ec);
  std::shared_lock lock(mu_);
  if (ec) {
    boost::json::object wrapped;
    wrapped["unparsed"] = redact_text_locked(std::string(json_text));
    return boost::json::serialize(wrapped);
  }
  redact_json_locked(v);
  // A secret split across JSON escapes in a string is caught by this final pass over the text.
  return redact_text_locked(boost::json::serialize(v));
}

std::string Redactor::redact_header(std::string_view name, std::string_view value) const {
  if (ascii_lower(name) == "authorization") return redact_text(redact_authorization(value));
  if (is_secret_field_name(name)) return std::string(kRedacted);
  return redact_text(std::string(value));
}

Redactor& process_redactor() {
  static Redactor* const instance = new Redactor();  // never destroyed: used until exit
  return *instance;
}

std::string escape_control(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  char buf[8];
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      out += keep_newlines ? "\n" : "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else if (c == 0xc2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      // U+0080..U+009F: C1 controls (U+009B is a one-byte CSI on some terminals).
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(text[i + 1]));
      out += buf;
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string printable(std::string_view text) {
  return escape_control(process_redactor().redact_text(std::string(text)));
}

std::string printable_lines(std::string_view text) {
  return escape_control(process_redactor().redact_text(std::string(text)), true);
}

}  // namespace tcplan::base
