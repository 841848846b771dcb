#include "planner/plan_values.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cstdint>
#include <variant>

namespace tcplan::planner {

namespace json = boost::json;

namespace {

// A value of the documented type: a structure gets its required fields, so nested checks of
// the value still pass; a string is unknown.
json::value placeholder_of_type(std::string_view type, const api::Catalog& catalog, int depth = 0) {
  if (auto el = api::array_element(type); !el.empty()) {
    json::array a;
    a.push_back(placeholder_of_type(el, catalog, depth + 1));
    return a;
  }
  if (type == "Integer") return json::value(std::int64_t{0});
  if (type == "Float") return json::value(0.0);
  if (type == "Boolean") return json::value(false);
  if (type == "String") return json::value(kUnknownValue);
  json::object o;
  if (const auto* s = catalog.struct_type(type); s && depth < 8) {
    for (const auto& f : s->fields) {
      if (f.required) o[f.name] = placeholder_of_type(f.type, catalog, depth + 1);
    }
  }
  return o;
}

}  // namespace

bool is_unknown(const json::value& v) {
  return v.is_string() && v.as_string().size() >= 1 && v.as_string()[0] == '\x01';
}

std::string scalar_text(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  return json::serialize(v);
}

json::value PlanValues::first_item(const Step& s) const {
  // The undo steps of a group's step run for one item of the group too.
  const json::value* list = s.for_each ? &*s.for_each : nullptr;
  if (list == nullptr && s.group >= 0)
    list = &plan_.groups[static_cast<std::size_t>(s.group)].for_each;
  if (list == nullptr) return json::value(kUnknownValue);
  if (list->is_array() && !list->as_array().empty()) {
    return list->as_array()[0];
  }
  if (list->is_string()) {
    if (auto t = parse_template(list->as_string());
        t.ok() && t->whole() && t->whole()->kind == Reference::Kind::kVar) {
      auto it = plan_.vars.find(t->whole()->name);
      if (it != plan_.vars.end() && it->value().is_array() && !it->value().as_array().empty()) {
        return it->value().as_array()[0];
      }
    }
  }
  return json::value(kUnknownValue);
}

json::value PlanValues::value_of(const Reference& r, const Step& s) const {
  switch (r.kind) {
    case Reference::Kind::kVar: {
      auto it = plan_.vars.find(r.name);
      if (it == plan_.vars.end()) return json::value(kUnknownValue);
      if (!r.index) return it->value();
      if (!it->value().is_array() || *r.index >= it->value().as_array().size()) {
        return json::value(kUnknownValue);
      }
      return it->value().as_array()[*r.index];
    }
    case Reference::Kind::kItem: {
      json::value item = first_item(s);
      if (r.index) {
        if (item.is_array() && *r.index < item.as_array().size()) return item.as_array()[*r.index];
        return json::value(kUnknownValue);
      }
      return item;
    }
    case Reference::Kind::kStep: {
      const Step* src = plan_.step(r.name);
      if (!src) return json::value(kUnknownValue);
      const api::ActionSpec* spec = catalog_.find(src->service, src->action, src->version);
      const api::FieldSpec* f = spec ? spec->output(r.field) : nullptr;
      if (!f) return json::value(kUnknownValue);
      json::value v = placeholder_of_type(f->type, catalog_);
      if (r.index) {
        return v.is_array() && !v.as_array().empty() ? v.as_array()[0] : json::value(kUnknownValue);
      }
      // A for_each step's field is the list over its items; a group's step is read by the
      // group's own steps, for their item.
      if (src->for_each && src->group < 0) {
        json::array a;
        a.push_back(v);
        return a;
      }
      return v;
    }
    case Reference::Kind::kEnv:
    case Reference::Kind::kRun:
      return json::value(kUnknownValue);
  }
  return json::value(kUnknownValue);
}

json::value PlanValues::substitute(const json::value& v, const Step& s) const {
  switch (v.kind()) {
    case json::kind::string: {
      if (!maybe_template(v.as_string())) return v;
      auto t = parse_template(v.as_string());
      if (!t.ok()) return json::value(kUnknownValue);
      if (const Reference* r = t->whole()) return value_of(*r, s);
      std::string out;
      bool unknown = false;
      for (const auto& p : t->parts) {
        if (const auto* lit = std::get_if<std::string>(&p)) {
          out += *lit;
        } else {
          json::value x = value_of(std::get<Reference>(p), s);
          if (is_unknown(x)) unknown = true;
          out += scalar_text(x);
        }
      }
      return unknown ? json::value(kUnknownValue) : json::value(out);
    }
    case json::kind::array: {
      json::array a;
      for (const auto& x : v.as_array())
        a.push_back(substitute(x, s));
      return a;
    }
    case json::kind::object: {
      json::object o;
      for (const auto& kv : v.as_object())
        o[kv.key()] = substitute(kv.value(), s);
      return o;
    }
    default:
      return v;
  }
}

}  // namespace tcplan::planner
