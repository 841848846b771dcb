#include "api/catalog.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <set>
#include <stdexcept>

namespace tcplan::api {

// Generated at build time from api/catalog.json (cmake/embed_file.cmake).
std::string_view catalog_json();

namespace {

namespace json = boost::json;

constexpr std::string_view kArrayPrefix = "Array of ";

// Reads one JSON object strictly: every key must be consumed by a getter, so a misspelt key
// in the hand-edited catalog ("requried") is an error instead of a silently ignored flag.
class Reader {
 public:
  Reader(const json::value& v, std::string where, std::string* error)
      : where_(std::move(where)), error_(error) {
    if (!v.is_object()) {
      fail("expected an object");
    } else {
      obj_ = &v.as_object();
    }
  }

  bool ok() const { return error_->empty(); }
  const std::string& where() const { return where_; }

  void fail(const std::string& message) {
    if (error_->empty()) *error_ = where_ + ": " + message;
  }

  const json::value* get(std::string_view key, bool required) {
    seen_.insert(std::string(key));
    if (obj_ == nullptr) return nullptr;
    auto it = obj_->find(key);
    if (it == obj_->end()) {
      if (required) fail("missing \"" + std::string(key) + "\"");
      return nullptr;
    }
    return &it->value();
  }

  std::string str(std::string_view key, bool required = true) {
    const auto* v = get(key, required);
    if (v == nullptr) return {};
    if (!v->is_string()) {
      fail("\"" + std::string(key) + "\" must be a string");
      return {};
    }
    return std::string(v->as_string());
  }

  bool boolean(std::string_view key, bool fallback) {
    const auto* v = get(key, false);
    if (v == nullptr) return fallback;
    if (!v->is_bool()) {
      fail("\"" + std::string(key) + "\" must be true or false");
      return fallback;
    }
    return v->as_bool();
  }

  int integer(std::string_view key, int fallback) {
    const auto* v = get(key, false);
    if (v == nullptr) return fallback;
    if (!v->is_int64() || v->as_int64() <= 0 || v->as_int64() > 100000) {
      fail("\"" + std::string(key) + "\" must be a positive integer");
      return fallback;
    }
    return static_cast<int>(v->as_int64());
  }

  // Any integer, zero and negatives included (PayMode 0).
  std::int64_t int64(std::string_view key) {
    const auto* v = get(key, true);
    if (v == nullptr) return 0;
    if (!v->is_int64()) {
      fail("\"" + std::string(key) + "\" must be an integer");
      return 0;
    }
    return v->as_int64();
  }

  std::vector<std::int64_t> integers(std::string_view key) {
    std::vector<std::int64_t> out;
    const auto* v = get(key, true);
    if (v == nullptr) return out;
    if (v->is_array()) {
      for (const auto& e : v->as_array()) {
        if (!e.is_int64()) break;
        out.push_back(e.as_int64());
      }
      if (out.size() == v->as_array().size() && !out.empty()) return out;
    }
    fail("\"" + std::string(key) + "\" must be a non-empty array of integers");
    return {};
  }

  std::vector<std::string> strings(std::string_view key, bool required = false) {
    std::vector<std::string> out;
    const auto* v = get(key, required);
    if (v == nullptr) return out;
    if (!v->is_array()) {
      fail("\"" + std::string(key) + "\" must be an array of strings");
      return out;
    }
    for (const auto& e : v->as_array()) {
      if (!e.is_string()) {
        fail("\"" + std::string(key) + "\" must be an array of strings");
        return {};
      }
      out.emplace_back(e.as_string());
    }
    return out;
  }

  const json::array* array(std::string_view key, bool required) {
    const auto* v = get(key, required);
    if (v == nullptr) return nullptr;
    if (!v->is_array()) {
      fail("\"" + std::string(key) + "\" must be an array");
      return nullptr;
    }
    return &v->as_array();
  }

  const json::object* object(std::string_view key, bool required) {
    const auto* v = get(key, required);
    if (v == nullptr) return nullptr;
    if (!v->is_object()) {
      fail("\"" + std::string(key) + "\" must be an object");
      return nullptr;
    }
    return &v->as_object();
  }

  // Call after every getter: reports keys nobody asked for.
  void finish() {
    if (obj_ == nullptr) return;
    for (const auto& kv : *obj_) {
      if (!seen_.count(std::string(kv.key()))) {
        fail("unknown key \"" + std::string(kv.key()) + "\"");
        return;
      }
    }
  }

 private:
  const json::object* obj_ = nullptr;
  std::string where_;
  std::string* error_;
  std::set<std::string, std::less<>> seen_;
};

FieldSpec read_field(const json::value& v, const std::string& where, std::string* error) {
  Reader r(v, where, error);
  FieldSpec f;
  f.name = r.str("name");
  f.type = r.str("type");
  f.required = r.boolean("required", false);
  f.allowed = r.strings("allowed");
  f.description = r.str("description", false);
  r.finish();
  return f;
}

std::vector<FieldSpec> read_fields(Reader& r, std::string_view key, bool required,
                                   std::string* error) {
  std::vector<FieldSpec> out;
  const auto* arr = r.array(key, required);
  if (arr == nullptr) return out;
  for (std::size_t i = 0; i < arr->size() && error->empty(); ++i) {
    out.push_back(read_field(
        (*arr)[i], r.where() + "." + std::string(key) + "[" + std::to_string(i) + "]", error));
    if (error->empty()) {
      for (std::size_t j = 0; j + 1 < out.size(); ++j) {
        if (out[j].name == out.back().name) r.fail("duplicate field \"" + out[j].name + "\"");
      }
    }
  }
  return out;
}

void read_messages(const json::object* obj, const std::string& where,
                   std::map<std::string, std::string, std::less<>>* out, std::string* error) {
  if (obj == nullptr) return;
  for (const auto& kv : *obj) {
    if (!kv.value().is_string()) {
      if (error->empty()) *error = where + "." + std::string(kv.key()) + ": must be a string";
      return;
    }
    (*out)[std::string(kv.key())] = std::string(kv.value().as_string());
  }
}

// "emr-[a-z0-9]{8}" or "emr-vm-[a-z0-9]{7,8}": the only shape of pattern the docs need, so a
// small parser instead of std::regex (no exceptions, and matching is a loop).
bool parse_id_pattern(IdFormat* f) {
  constexpr std::string_view kClass = "[a-z0-9]{";
  const std::string& p = f->pattern;
  const auto cls = p.find(kClass);
  if (cls == std::string::npos || p.empty() || p.back() != '}') return false;
  f->prefix = p.substr(0, cls);
  const std::string counts = p.substr(cls + kClass.size(), p.size() - cls - kClass.size() - 1);
  const auto comma = counts.find(',');
  try {
    std::size_t used = 0;
    f->min_length = std::stoul(counts.substr(0, comma), &used);
    if (used != counts.substr(0, comma).size()) return false;
    f->max_length = f->min_length;
    if (comma != std::string::npos) {
      const std::string max = counts.substr(comma + 1);
      f->max_length = std::stoul(max, &used);
      if (used != max.size()) return false;
    }
  } catch (const std::exception&) {
    return false;
  }
  return !f->prefix.empty() && f->min_length > 0 && f->min_length <= f->max_length;
}

struct Rules {
  std::vector<IdFormat> id_formats;
  std::vector<PayModeTerms> pay_modes;
  std::vector<ChargeType> charge_types;
};

IdFormat read_id_format(const json::value& v, const std::string& where, std::string* error) {
  Reader r(v, where, error);
  IdFormat f;
  f.kind = r.str("kind");
  f.pattern = r.str("pattern");
  f.example = r.str("example");
  r.str("source");
  if (const auto* fields = r.object("fields", true)) {
    for (const auto& kv : *fields) {
      auto& names = f.fields[std::string(kv.key())];
      const bool strings = kv.value().is_array() &&
                           std::all_of(kv.value().as_array().begin(), kv.value().as_array().end(),
                                       [](const json::value& e) { return e.is_string(); });
      if (!strings) r.fail("fields." + std::string(kv.key()) + " must be an array of strings");
      if (!strings) break;
      for (const auto& e : kv.value().as_array())
        names.emplace_back(e.as_string());
    }
  }
  r.finish();
  if (error->empty() && !parse_id_pattern(&f)) {
    r.fail("pattern must be PREFIX[a-z0-9]{N} or PREFIX[a-z0-9]{MIN,MAX}");
  } else if (error->empty() && !f.matches(f.example)) {
    r.fail("example " + f.example + " does not match " + f.pattern);
  }
  return f;
}

Rules read_rules(Reader& top, std::string* error) {
  Rules out;
  // Optional: a catalog without rules (a test's minimal one) checks shapes only.
  const json::value* rules = top.get("rules", false);
  if (rules == nullptr) return out;
  Reader r(*rules, "catalog.rules", error);
  if (const auto* formats = r.array("id_formats", true)) {
    for (std::size_t i = 0; i < formats->size() && error->empty(); ++i) {
      out.id_formats.push_back(read_id_format(
          (*formats)[i], r.where() + ".id_formats[" + std::to_string(i) + "]", error));
    }
  }
  if (const auto* modes = r.array("pay_modes", true)) {
    for (std::size_t i = 0; i < modes->size() && error->empty(); ++i) {
      Reader mr((*modes)[i], r.where() + ".pay_modes[" + std::to_string(i) + "]", error);
      PayModeTerms t;
      t.pay_mode = mr.int64("PayMode");
      t.name = mr.str("name");
      t.time_unit = mr.str("TimeUnit");
      t.time_spans = mr.integers("TimeSpan");
      t.time_span_unit = mr.str("TimeSpanUnit");
      t.time_span_seconds = mr.int64("TimeSpanSeconds");
      if (t.time_span_seconds <= 0) mr.fail("\"TimeSpanSeconds\" must be positive");
      mr.str("source");
      mr.finish();
      out.pay_modes.push_back(std::move(t));
    }
  }
  if (const auto* charges = r.array("charge_types", true)) {
    for (std::size_t i = 0; i < charges->size() && error->empty(); ++i) {
      Reader cr((*charges)[i], r.where() + ".charge_types[" + std::to_string(i) + "]", error);
      ChargeType c;
      c.name = cr.str("InstanceChargeType");
      if (cr.get("prepaid_pay_mode", false) != nullptr)
        c.prepaid_pay_mode = cr.int64("prepaid_pay_mode");
      c.node_flags = cr.strings("node_flags");
      cr.str("source");
      cr.finish();
      out.charge_types.push_back(std::move(c));
    }
  }
  r.finish();
  return out;
}

// The element of `items` whose `key` equals `value`, or null: every lookup by name here.
template <class T, class K, class V>
const T* find_by(const std::vector<T>& items, K T::*key, const V& value) {
  for (const auto& x : items) {
    if (x.*key == value) return &x;
  }
  return nullptr;
}

}  // namespace

bool IdFormat::matches(std::string_view id) const {
  if (id.substr(0, prefix.size()) != prefix) return false;
  const std::string_view rest = id.substr(prefix.size());
  if (rest.size() < min_length || rest.size() > max_length) return false;
  return std::all_of(rest.begin(), rest.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

std::string_view array_element(std::string_view type) {
  if (type.substr(0, kArrayPrefix.size()) != kArrayPrefix) return {};
  return type.substr(kArrayPrefix.size());
}

bool is_scalar_type(std::string_view type) {
  return type == "String" || type == "Integer" || type == "Float" || type == "Boolean";
}

const FieldSpec* StructSpec::field(std::string_view n) const {
  return find_by(fields, &FieldSpec::name, n);
}

std::string ServiceSpec::regional_host(std::string_view region) const {
  if (region.empty()) return host;
  return name + "." + std::string(region) + ".tencentcloudapi.com";
}

const FieldSpec* ActionSpec::param(std::string_view n) const {
  return find_by(params, &FieldSpec::name, n);
}

const FieldSpec* ActionSpec::output(std::string_view n) const {
  return find_by(outputs, &FieldSpec::name, n);
}

const Catalog& Catalog::builtin() {
  static const Catalog catalog = [] {
    auto parsed = parse(catalog_json());
    if (!parsed) throw std::logic_error("embedded api/catalog.json: " + parsed.error().message);
    return std::move(parsed).value();
  }();
  return catalog;
}

base::Result<Catalog> Catalog::parse(std::string_view json_text) {
  boost::system::error_code ec;
  json::value root = json::parse(json_text, ec);
  if (ec) return base::Error{"catalog is not valid JSON: " + ec.message()};

  std::string error;
  Catalog c;
  Reader top(root, "catalog", &error);
  const auto* format = top.get("format", true);
  if (format != nullptr && !(format->is_int64() && format->as_int64() == 1)) {
    top.fail("unsupported \"format\" (this build reads format 1)");
  }

  if (const auto* services = top.array("services", true)) {
    for (std::size_t i = 0; i < services->size() && error.empty(); ++i) {
      Reader r((*services)[i], "services[" + std::to_string(i) + "]", &error);
      ServiceSpec s;
      s.name = r.str("name");
      s.version = r.str("version");
      s.host = r.str("host");
      s.versions = r.strings("versions", true);
      read_messages(r.object("error_messages", false), r.where() + ".error_messages",
                    &s.error_messages, &error);
      r.finish();
      if (error.empty() &&
          std::find(s.versions.begin(), s.versions.end(), s.version) == s.versions.end()) {
        r.fail("default version " + s.version + " is not in \"versions\"");
      }
      c.services_.push_back(std::move(s));
    }
  }

  c.common_errors_ = top.strings("common_errors", true);
  read_messages(top.object("error_messages", true), "catalog.error_messages", &c.error_messages_,
                &error);

  if (const auto* structs = top.object("structs", true)) {
    for (const auto& kv : *structs) {
      if (!error.empty()) break;
      Reader r(kv.value(), "structs." + std::string(kv.key()), &error);
      StructSpec s;
      s.name = std::string(kv.key());
      s.fields = read_fields(r, "fields", true, &error);
      r.str("description", false);
      r.finish();
      c.structs_[s.name] = std::move(s);
    }
  }

  if (const auto* actions = top.array("actions", true)) {
    for (std::size_t i = 0; i < actions->size() && error.empty(); ++i) {
      Reader r((*actions)[i], "actions[" + std::to_string(i) + "]", &error);
      ActionSpec a;
      a.service = r.str("service");
      a.action = r.str("action");
      a.version = r.str("version");
      a.rate_limit = r.integer("rate_limit", 20);
      a.mutating = r.boolean("mutating", false);
      a.client_token = r.boolean("client_token", false);
      a.tracks = r.strings("tracks");
      a.source = r.str("source", false);
      r.str("description", false);
      a.params = read_fields(r, "params", true, &error);
      a.outputs = read_fields(r, "outputs", false, &error);
      a.errors = r.strings("errors");
      r.finish();
      c.actions_.push_back(std::move(a));
    }
  }
  Rules rules = read_rules(top, &error);
  c.id_formats_ = std::move(rules.id_formats);
  c.pay_modes_ = std::move(rules.pay_modes);
  c.charge_types_ = std::move(rules.charge_types);
  top.finish();
  if (!error.empty()) return base::Error{error};

  // Cross-references: a catalog that parses is one every reader can trust without checks.
  auto check_type = [&](const std::string& where, const FieldSpec& f) {
    if (!error.empty()) return;
    std::string_view t = f.type;
    if (auto e = array_element(t); !e.empty()) t = e;
    if (!is_scalar_type(t) && c.structs_.find(t) == c.structs_.end()) {
      error = where + "." + f.name + ": unknown type \"" + f.type + "\"";
    } else if (!f.allowed.empty() && !is_scalar_type(t)) {
      error = where + "." + f.name + ": \"allowed\" on a structure type";
    }
  };
  for (const auto& [name, s] : c.structs_) {
    for (const auto& f : s.fields)
      check_type("structs." + name, f);
  }
  for (std::size_t i = 0; i < c.actions_.size() && error.empty(); ++i) {
    const auto& a = c.actions_[i];
    const std::string where = a.service + "." + a.action + "@" + a.version;
    const auto* svc = c.service(a.service);
    if (svc == nullptr) {
      error = where + ": unknown service";
      break;
    }
    if (std::find(svc->versions.begin(), svc->versions.end(), a.version) == svc->versions.end()) {
      error = where + ": version not listed for the service";
      break;
    }
    for (std::size_t j = 0; j < i; ++j) {
      const auto& b = c.actions_[j];
      if (b.service == a.service && b.action == a.action && b.version == a.version &&
          error.empty()) {
        error = where + ": listed twice";
      }
    }
    for (const auto& f : a.params)
      check_type(where + ".params", f);
    for (const auto& f : a.outputs)
      check_type(where + ".outputs", f);
    for (const auto& t : a.tracks) {
      if (a.output(t) == nullptr && error.empty())
        error = where + ": tracks \"" + t + "\" which is not an output";
    }
    if (a.client_token && a.param("ClientToken") == nullptr && error.empty()) {
      error = where + ": client_token is set but there is no ClientToken param";
    }
  }
  // Each rule names a thing once, so a lookup by it is unambiguous.
  for (std::size_t i = 0; i < c.id_formats_.size() && error.empty(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (c.id_formats_[j].kind == c.id_formats_[i].kind)
        error = "rules.id_formats: kind " + c.id_formats_[i].kind + " listed twice";
      for (const auto& [svc, names] : c.id_formats_[i].fields) {
        for (const auto& n : names) {
          if (c.id_formats_[j].fields.count(svc) &&
              std::count(c.id_formats_[j].fields.at(svc).begin(),
                         c.id_formats_[j].fields.at(svc).end(), n) &&
              error.empty())
            error = "rules.id_formats: " + svc + " " + n + " has two formats";
        }
      }
    }
  }
  for (std::size_t i = 0; i < c.pay_modes_.size() && error.empty(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (c.pay_modes_[j].pay_mode == c.pay_modes_[i].pay_mode)
        error = "rules.pay_modes: PayMode " + std::to_string(c.pay_modes_[i].pay_mode) +
                " listed twice";
    }
  }
  for (std::size_t i = 0; i < c.charge_types_.size() && error.empty(); ++i) {
    const auto& prepaid = c.charge_types_[i].prepaid_pay_mode;
    if (prepaid && c.pay_mode(*prepaid) == nullptr)
      error = "rules.charge_types: " + c.charge_types_[i].name + ": no PayMode " +
              std::to_string(*prepaid) + " in rules.pay_modes";
    for (std::size_t j = 0; j < i; ++j) {
      if (c.charge_types_[j].name == c.charge_types_[i].name)
        error = "rules.charge_types: " + c.charge_types_[i].name + " listed twice";
    }
  }
  if (!error.empty()) return base::Error{error};
  return c;
}

const ServiceSpec* Catalog::service(std::string_view name) const {
  return find_by(services_, &ServiceSpec::name, name);
}

const ActionSpec* Catalog::find(std::string_view svc, std::string_view action,
                                std::string_view version) const {
  if (version.empty()) {
    const auto* s = service(svc);
    if (s == nullptr) return nullptr;
    version = s->version;
  }
  for (const auto& a : actions_) {
    if (a.service == svc && a.action == action && a.version == version) return &a;
  }
  return nullptr;
}

const StructSpec* Catalog::struct_type(std::string_view name) const {
  auto it = structs_.find(name);
  return it == structs_.end() ? nullptr : &it->second;
}

std::string_view Catalog::error_message(std::string_view code) const {
  auto it = error_messages_.find(code);
  if (it != error_messages_.end()) return it->second;
  // A service code asked for without its service: the first service (in catalog order,
  // EMR first) that documents it.
  for (const auto& s : services_) {
    auto sit = s.error_messages.find(code);
    if (sit != s.error_messages.end()) return sit->second;
  }
  return {};
}

const IdFormat* Catalog::id_format(std::string_view kind) const {
  return find_by(id_formats_, &IdFormat::kind, kind);
}

const IdFormat* Catalog::id_format_of(std::string_view svc, std::string_view field) const {
  for (const auto& f : id_formats_) {
    auto it = f.fields.find(svc);
    if (it != f.fields.end() &&
        std::find(it->second.begin(), it->second.end(), field) != it->second.end())
      return &f;
  }
  return nullptr;
}

const PayModeTerms* Catalog::pay_mode(std::int64_t pay_mode) const {
  return find_by(pay_modes_, &PayModeTerms::pay_mode, pay_mode);
}

const PayModeTerms* Catalog::pay_mode_of_unit(std::string_view time_unit) const {
  return find_by(pay_modes_, &PayModeTerms::time_unit, time_unit);
}

const ChargeType* Catalog::charge_type(std::string_view name) const {
  return find_by(charge_types_, &ChargeType::name, name);
}

std::string_view Catalog::error_message(std::string_view svc, std::string_view code) const {
  if (const auto* s = service(svc)) {
    auto it = s->error_messages.find(code);
    if (it != s->error_messages.end()) return it->second;
  }
  return error_message(code);
}

}  // namespace tcplan::api
