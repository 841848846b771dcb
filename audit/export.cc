// JSONL/CSV export and JSONL import (see export.h).
#include "audit/export.h"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "base/time.h"

namespace tcplan::audit {
namespace {

// Column names, in export order; "time" is derived from time_ms and not part of the chain.
constexpr const char* kFields[] = {
    "schema",        "seq",          "time",        "time_ms",    "kind",
    "run_id",        "step_id",      "item",        "attempt",    "service",
    "action",        "version",      "region",      "endpoint",   "request_id",
    "client_token",  "error_code",   "http_status", "latency_us", "operator_user",
    "operator_host", "tool_version", "payload",     "prev_hash",  "hash"};

boost::json::object to_object(const Event& e) {
  boost::json::object o;
  o["schema"] = kExportSchema;
  o["seq"] = e.seq;
  o["time"] = base::format_utc_ms(e.time_ms);
  o["time_ms"] = e.time_ms;
  o["kind"] = kind_name(e.kind);
  o["run_id"] = e.run_id;
  o["step_id"] = e.step_id;
  o["item"] = e.item;
  o["attempt"] = e.attempt;
  o["service"] = e.service;
  o["action"] = e.action;
  o["version"] = e.version;
  o["region"] = e.region;
  o["endpoint"] = e.endpoint;
  o["request_id"] = e.request_id;
  o["client_token"] = e.client_token;
  o["error_code"] = e.error_code;
  o["http_status"] = e.http_status;
  o["latency_us"] = e.latency_us;
  o["operator_user"] = e.operator_user;
  o["operator_host"] = e.operator_host;
  o["tool_version"] = e.tool_version;
  o["payload"] = e.payload;  // text, exactly as hashed
  o["prev_hash"] = e.prev_hash;
  o["hash"] = e.hash;
  return o;
}

}  // namespace

std::string neutralise_csv_text(std::string text) {
  if (!text.empty() && std::string_view("=+-@\t\r").find(text[0]) != std::string_view::npos) {
    text.insert(0, 1, '\'');
  }
  return text;
}

namespace {

std::string csv_cell(const boost::json::value& v) {
  // Only text is neutralised: a number is not a formula, and "-1" must stay a number.
  std::string s =
      v.is_string() ? neutralise_csv_text(std::string(v.as_string())) : boost::json::serialize(v);
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

}  // namespace

std::string to_jsonl(const std::vector<Event>& events) {
  std::string out;
  for (const auto& e : events) {
    out += boost::json::serialize(to_object(e));
    out += '\n';
  }
  return out;
}

std::string to_csv(const std::vector<Event>& events) {
  std::string out;
  for (size_t i = 0; i < std::size(kFields); ++i) {
    if (i > 0) out += ',';
    out += kFields[i];
  }
  out += "\r\n";
  for (const auto& e : events) {
    auto o = to_object(e);
    for (size_t i = 0; i < std::size(kFields); ++i) {
      if (i > 0) out += ',';
      out += csv_cell(o.at(kFields[i]));
    }
    out += "\r\n";
  }
  return out;
}

std::string export_events(const std::vector<Event>& events, ExportFormat format) {
  return format == ExportFormat::kJsonl ? to_jsonl(events) : to_csv(events);
}

base::Result<std::vector<Event>> parse_jsonl(std::string_view text) {
  std::vector<Event> out;
  size_t line_no = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (line.empty()) continue;
    boost::system::error_code ec;
    auto v = boost::json::parse(line, ec);
    std::string where = "line " + std::to_string(line_no) + ": ";
    if (ec || !v.is_object()) return base::Error{where + "not a JSON object"};
    const auto& o = v.as_object();
    auto str = [&](const char* k) {
      auto* f = o.if_contains(k);
      return f != nullptr && f->is_string() ? std::string(f->as_string()) : std::string();
    };
    auto num = [&](const char* k) -> std::int64_t {
      auto* f = o.if_contains(k);
      return f != nullptr && f->is_int64() ? f->as_int64() : 0;
    };
    if (str("schema") != kExportSchema) {
      return base::Error{where + "schema is not " + std::string(kExportSchema)};
    }
    auto kind = kind_from_name(str("kind"));
    if (!kind) return base::Error{where + "unknown event kind " + str("kind")};
    Event e;
    e.seq = num("seq");
    e.time_ms = num("time_ms");
    e.kind = *kind;
    e.run_id = str("run_id");
    e.step_id = str("step_id");
    e.item = str("item");
    e.attempt = num("attempt");
    e.service = str("service");
    e.action = str("action");
    e.version = str("version");
    e.region = str("region");
    e.endpoint = str("endpoint");
    e.request_id = str("request_id");
    e.client_token = str("client_token");
    e.error_code = str("error_code");
    e.http_status = num("http_status");
    e.latency_us = num("latency_us");
    e.operator_user = str("operator_user");
    e.operator_host = str("operator_host");
    e.tool_version = str("tool_version");
    e.payload = str("payload");
    e.prev_hash = str("prev_hash");
    e.hash = str("hash");
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace tcplan::audit
