#include "emulator/cloud/params.h"

#include <boost/json.hpp>
#include <charconv>
#include <cmath>

namespace tcplan::emulator::cloud {

namespace json = boost::json;

std::optional<std::int64_t> opt_int(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  if (v->is_double()) {
    double d = v->as_double();
    if (std::floor(d) == d) return static_cast<std::int64_t>(d);
    return std::nullopt;
  }
  if (v->is_string()) {
    std::string_view s = v->as_string();
    std::int64_t out = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return out;
  }
  return std::nullopt;
}

std::int64_t int_or(const json::object& o, std::string_view key, std::int64_t fallback) {
  return opt_int(o, key).value_or(fallback);
}

std::optional<double> opt_double(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_number()) return v->to_number<double>();
  if (v->is_string()) {
    try {
      std::size_t used = 0;
      std::string s(v->as_string());
      double d = std::stod(s, &used);
      if (used == s.size()) return d;
    } catch (...) {
    }
  }
  return std::nullopt;
}

std::optional<std::string> opt_str(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

std::string str_or(const json::object& o, std::string_view key, std::string fallback) {
  return opt_str(o, key).value_or(std::move(fallback));
}

std::optional<bool> opt_bool(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_bool()) return v->as_bool();
  if (v->is_string()) {
    if (v->as_string() == "true") return true;
    if (v->as_string() == "false") return false;
  }
  return std::nullopt;
}

const json::object* sub(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_object() ? &v->as_object() : nullptr;
}

const json::array* list(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_array() ? &v->as_array() : nullptr;
}

std::vector<std::string> strings(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  if (auto* a = list(o, key))
    for (auto& v : *a)
      if (v.is_string()) out.emplace_back(v.as_string());
  return out;
}

}  // namespace tcplan::emulator::cloud
