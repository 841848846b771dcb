// validate_params: checks a request's parameters against the catalog, the way the planner
// (before anything is sent) and the emulator (when a request arrives) both need it.
#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <string>
#include <vector>

#include "api/catalog.h"
#include "api/closest_name.h"

namespace tcplan::api {

namespace {

namespace json = boost::json;

// Shortest round-trip form ("60.5"), not Boost.JSON's "6.05E1".
std::string number_text(const json::value& v) {
  if (v.is_int64()) return std::to_string(v.as_int64());
  if (v.is_uint64()) return std::to_string(v.as_uint64());
  char buf[32];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v.as_double());
  return ec == std::errc() ? std::string(buf, ptr) : json::serialize(v);
}

// A short, readable rendering of a value for messages: string "abc", number 2.5, ...
std::string describe(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string: {
      std::string s(v.as_string());
      if (s.size() > 40) s = s.substr(0, 37) + "...";
      return "string \"" + s + "\"";
    }
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "number " + number_text(v);
    case json::kind::bool_:
      return v.as_bool() ? "boolean true" : "boolean false";
    case json::kind::null:
      return "null";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}

bool parse_int(std::string_view s, std::int64_t* out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool parse_float(std::string_view s) {
  if (s.empty()) return false;
  double d = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  return ec == std::errc() && ptr == s.data() + s.size();
}

class Validator {
 public:
  Validator(const Catalog& catalog, const ValidateOptions& options)
      : catalog_(catalog), options_(options) {}

  // Checks `obj` against `fields`: the document order of `fields` first, then any names the
  // object holds that `fields` does not know, in the object's own order.
  void check_object(const std::vector<FieldSpec>& fields, const json::object& obj,
                    const std::string& prefix) {
    for (const auto& f : fields) {
      const std::string path = prefix + f.name;
      auto it = obj.find(f.name);
      if (it == obj.end()) {
        if (f.required) add(ParamProblem::Kind::kMissing, path, "missing required " + f.type);
        continue;
      }
      check_value(f, f.type, it->value(), path);
    }
    for (const auto& kv : obj) {
      const std::string_view key = kv.key();
      const bool known = std::any_of(fields.begin(), fields.end(),
                                     [&](const FieldSpec& f) { return f.name == key; });
      if (!known)
        add(ParamProblem::Kind::kUnknown, prefix + std::string(key), unknown(key, fields));
    }
  }

  std::vector<ParamProblem> take() { return std::move(problems_); }

 private:
  void add(ParamProblem::Kind kind, std::string path, std::string message) {
    problems_.push_back(ParamProblem{kind, std::move(path), std::move(message)});
  }

  static std::string unknown(std::string_view key, const std::vector<FieldSpec>& fields) {
    std::vector<std::string_view> names;
    for (const auto& f : fields)
      names.push_back(f.name);
    // Close names only: typos and case slips.
    const std::string_view best = closest_name(key, names, 2);
    if (best.empty()) return "unknown parameter";
    return "unknown parameter (did you mean " + std::string(best) + "?)";
  }

  void check_value(const FieldSpec& f, std::string_view type, const json::value& v,
                   const std::string& path) {
    if (options_.deferred && options_.deferred(v)) return;
    if (auto element = array_element(type); !element.empty()) {
      if (!v.is_array()) {
        add(ParamProblem::Kind::kWrongType, path,
            "expected " + std::string(type) + ", got " + describe(v));
        return;
      }
      const auto& arr = v.as_array();
      for (std::size_t i = 0; i < arr.size(); ++i) {
        check_value(f, element, arr[i], path + "[" + std::to_string(i) + "]");
      }
      return;
    }
    if (!is_scalar_type(type)) {
      const StructSpec* s = catalog_.struct_type(type);
      if (!v.is_object()) {
        add(ParamProblem::Kind::kWrongType, path,
            "expected " + std::string(type) + " (an object), got " + describe(v));
        return;
      }
      // Catalog::parse guarantees every type resolves; a missing one would be a bug there.
      if (s != nullptr) check_object(s->fields, v.as_object(), path + ".");
      return;
    }
    std::string canonical;  // the value as `allowed` spells it
    if (!check_scalar(type, v, &canonical)) {
      add(ParamProblem::Kind::kWrongType, path,
          "expected " + std::string(type) + ", got " + describe(v));
      return;
    }
    if (!f.allowed.empty() &&
        std::find(f.allowed.begin(), f.allowed.end(), canonical) == f.allowed.end()) {
      std::string list;
      for (const auto& a : f.allowed)
        list += (list.empty() ? "" : ", ") + a;
      add(ParamProblem::Kind::kNotAllowed, path,
          describe(v) + " is not one of the allowed values: " + list);
    }
  }

  bool check_scalar(std::string_view type, const json::value& v, std::string* canonical) const {
    if (type == "String") {
      if (!v.is_string()) return false;
      *canonical = std::string(v.as_string());
      return true;
    }
    if (type == "Boolean") {
      if (!v.is_bool()) return false;
      *canonical = v.as_bool() ? "true" : "false";
      return true;
    }
    if (type == "Integer") {
      if (v.is_int64()) {
        *canonical = std::to_string(v.as_int64());
        return true;
      }
      if (v.is_uint64()) {
        *canonical = std::to_string(v.as_uint64());
        return true;
      }
      std::int64_t n = 0;
      if (options_.accept_numeric_strings && v.is_string() && parse_int(v.as_string(), &n)) {
        *canonical = std::to_string(n);
        return true;
      }
      return false;
    }
    // Float: any JSON number.
    if (v.is_number()) {
      *canonical = number_text(v);
      return true;
    }
    if (options_.accept_numeric_strings && v.is_string() && parse_float(v.as_string())) {
      *canonical = std::string(v.as_string());
      return true;
    }
    return false;
  }

  const Catalog& catalog_;
  const ValidateOptions& options_;
  std::vector<ParamProblem> problems_;
};

}  // namespace

std::vector<ParamProblem> validate_params(const Catalog& catalog, const ActionSpec& action,
                                          const boost::json::object& params,
                                          const ValidateOptions& options) {
  Validator v(catalog, options);
  v.check_object(action.params, params, "");
  return v.take();
}

}  // namespace tcplan::api
