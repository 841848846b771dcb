#include "emulator/flat_params.h"

#include <boost/json/value.hpp>
#include <cctype>
#include <charconv>
#include <cstdint>

namespace tcplan::emulator {

namespace json = boost::json;

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool percent_decode(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      *out += ' ';
    } else if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = hex_digit(in[i + 1]);
      int lo = hex_digit(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      *out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      *out += c;
    }
  }
  return true;
}

bool is_index(std::string_view s, std::size_t* index) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *index);
  return ec == std::errc() && ptr == s.data() + s.size() && *index < 10000;
}

// Puts `value` at the path `segments` below `node`, creating objects and arrays on the way.
void insert(json::value& node, const std::vector<std::string_view>& segments, std::size_t i,
            const std::string& value) {
  if (i == segments.size()) {
    node = json::string(value);
    return;
  }
  std::size_t index = 0;
  if (is_index(segments[i], &index)) {
    if (!node.is_array()) node = json::array();
    auto& arr = node.as_array();
    if (arr.size() <= index) arr.resize(index + 1);
    insert(arr[index], segments, i + 1, value);
  } else {
    if (!node.is_object()) node = json::object();
    insert(node.as_object()[segments[i]], segments, i + 1, value);
  }
}

void coerce(json::value& v, std::string_view type, const api::Catalog& catalog) {
  if (auto element = api::array_element(type); !element.empty()) {
    if (v.is_array()) {
      for (auto& item : v.as_array())
        coerce(item, element, catalog);
    }
    return;
  }
  if (!api::is_scalar_type(type)) {
    const api::StructSpec* s = catalog.struct_type(type);
    if (s == nullptr || !v.is_object()) return;
    for (auto& kv : v.as_object()) {
      if (const api::FieldSpec* f = s->field(kv.key())) coerce(kv.value(), f->type, catalog);
    }
    return;
  }
  if (!v.is_string()) return;
  const std::string_view text = v.as_string();
  if (type == "Integer") {
    std::int64_t n = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (!text.empty() && ec == std::errc() && ptr == text.data() + text.size()) v = n;
  } else if (type == "Float") {
    double d = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (!text.empty() && ec == std::errc() && ptr == text.data() + text.size()) v = d;
  } else if (type == "Boolean") {
    if (text == "true" || text == "True" || text == "TRUE")
      v = true;
    else if (text == "false" || text == "False" || text == "FALSE")
      v = false;
  }
}

}  // namespace

bool decode_query(std::string_view query, FlatParams* out) {
  out->clear();
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string key, value;
    if (!percent_decode(pair.substr(0, eq), &key)) return false;
    if (eq != std::string_view::npos && !percent_decode(pair.substr(eq + 1), &value)) return false;
    out->emplace_back(std::move(key), std::move(value));
  }
  return true;
}

json::object unflatten(const FlatParams& flat, const api::ActionSpec& action,
                       const api::Catalog& catalog) {
  json::value root = json::object();
  for (const auto& [name, value] : flat) {
    std::vector<std::string_view> segments;
    std::string_view rest = name;
    while (true) {
      auto dot = rest.find('.');
      segments.push_back(rest.substr(0, dot));
      if (dot == std::string_view::npos) break;
      rest.remove_prefix(dot + 1);
    }
    insert(root.as_object()[segments[0]], segments, 1, value);
  }
  for (auto& kv : root.as_object()) {
    if (const api::FieldSpec* f = action.param(kv.key())) coerce(kv.value(), f->type, catalog);
  }
  return std::move(root.as_object());
}

}  // namespace tcplan::emulator
