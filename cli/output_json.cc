#include "cli/output_json.h"

#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>

#include "base/time.h"

namespace tcplan::cli {
namespace {

namespace json = boost::json;

void write(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::double_: {
      char buf[64];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.get_double());
      out.append(buf, ec == std::errc() ? end : buf);
      break;
    }
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& [k, x] : v.get_object()) {
        if (!first) out += ',';
        first = false;
        out += json::serialize(json::string(k));
        out += ':';
        write(x, out);
      }
      out += '}';
      break;
    }
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& x : v.get_array()) {
        if (!first) out += ',';
        first = false;
        write(x, out);
      }
      out += ']';
      break;
    }
    default:
      out += json::serialize(v);
  }
}

}  // namespace

std::string to_json_text(const json::value& v) {
  std::string out;
  write(v, out);
  return out;
}

void print_json(const json::value& v) {
  std::string text = to_json_text(v);
  text += '\n';
  std::fputs(text.c_str(), stdout);
}

json::value iso_time(std::int64_t epoch_ms) {
  return epoch_ms == 0 ? json::value(nullptr) : json::value(base::format_utc_ms(epoch_ms));
}

json::object diagnostic_json(const std::string& file, const planner::Diagnostic& d) {
  std::string message = d.message;
  std::string hint;
  if (auto at = message.find(" (did you mean "); at != std::string::npos) {
    hint = message.substr(at + 2);
    if (!hint.empty() && hint.back() == ')') hint.pop_back();
    message.erase(at);
  }
  return {{"file", file},
          {"line", d.where.line},
          {"col", d.where.column},
          {"severity", d.severity == planner::Severity::kError ? "error" : "warning"},
          {"message", message},
          {"hint", hint.empty() ? json::value(nullptr) : json::value(hint)}};
}

json::object file_problem_json(const std::string& file, const std::string& message) {
  return {{"file", file},        {"line", 0},          {"col", 0},
          {"severity", "error"}, {"message", message}, {"hint", nullptr}};
}

std::string progress_json_line(const std::string& line) {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return to_json_text(json::object{{"time", base::format_utc_ms(now.count())},
                                   {"level", "info"},
                                   {"type", "progress"},
                                   {"msg", line}});
}

}  // namespace tcplan::cli
