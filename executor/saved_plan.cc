#include "executor/saved_plan.h"

#include <boost/json.hpp>
#include <cmath>
#include <map>

#include "api/hash.h"
#include "base/duration.h"

namespace tcplan::executor {

namespace json = boost::json;

bool looks_like_saved_plan(const std::string& text) {
  auto first = text.find_first_not_of(" \t\r\n");
  return first != std::string::npos && text[first] == '{' &&
         text.find("tcplan.saved-plan/") != std::string::npos;
}

base::Result<SavedPlan> parse_saved_plan(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return base::Error{"not a saved plan: the file is not JSON"};
  const auto& o = v.as_object();
  auto str = [&](const char* key) -> std::string {
    auto* f = o.if_contains(key);
    return f && f->is_string() ? std::string(f->as_string()) : std::string();
  };
  if (str("schema") != "tcplan.saved-plan/1") {
    return base::Error{"not a saved plan this tcplan reads (schema '" + str("schema") +
                       "', expected tcplan.saved-plan/1)"};
  }
  SavedPlan s;
  s.plan_file = str("plan_file");
  s.plan_sha256 = str("plan_sha256");
  s.fetched_at = str("fetched_at");
  s.file_sha256 = api::sha256_hex(text);
  if (auto* n = o.if_contains("new_run"); n && n->is_bool()) s.new_run = n->as_bool();
  if (auto* p = o.if_contains("preview"); p && p->is_object()) s.preview = p->as_object();
  if (s.plan_file.empty() || s.plan_sha256.empty() || s.preview.empty()) {
    return base::Error{"saved plan is missing plan_file, plan_sha256 or preview"};
  }
  // The clusters each for_each query chose when the plan was reviewed: apply acts on these.
  if (auto* steps = s.preview.if_contains("steps"); steps && steps->is_array()) {
    for (const auto& step : steps->as_array()) {
      if (!step.is_object()) continue;
      const auto* id = step.as_object().if_contains("id");
      const auto* fe = step.as_object().if_contains("for_each");
      if (!id || !id->is_string() || !fe || !fe->is_object()) continue;
      const auto* query = fe->as_object().if_contains("query");
      const auto* items = fe->as_object().if_contains("items");
      if (query && query->is_object() && items && items->is_array()) {
        s.fleets[std::string(id->as_string())] = items->as_array();
      }
    }
  }
  return s;
}

SavedPlanDigests saved_plan_digests(const SavedPlan& saved) {
  json::array plan_part, price_part;
  static const json::value kNull;
  auto field = [](const json::object& o, const char* key) -> const json::value& {
    const json::value* v = o.if_contains(key);
    return v ? *v : kNull;
  };
  if (auto* steps = saved.preview.if_contains("steps"); steps && steps->is_array()) {
    for (const auto& step : steps->as_array()) {
      if (!step.is_object()) continue;
      const json::object& st = step.as_object();
      json::array item_params, item_prices;
      if (auto* items = st.if_contains("items"); items && items->is_array()) {
        for (const auto& it : items->as_array()) {
          if (!it.is_object()) continue;
          item_params.push_back(
              json::array{field(it.as_object(), "label"), field(it.as_object(), "params")});
          item_prices.push_back(
              json::array{field(it.as_object(), "label"), field(it.as_object(), "price")});
        }
      }
      plan_part.push_back(json::array{field(st, "id"), field(st, "kind"), field(st, "service"),
                                      field(st, "action"), field(st, "version"),
                                      field(st, "region"), field(st, "params"),
                                      field(st, "for_each"), std::move(item_params)});
      price_part.push_back(
          json::array{field(st, "id"), field(st, "price"), std::move(item_prices)});
    }
  }
  price_part.push_back(field(saved.preview, "total"));
  SavedPlanDigests d;
  d.plan = api::sha256_hex("tcplan-saved-plan-v1\n" + saved.plan_sha256 + "\n" +
                           (saved.new_run ? "new_run\n" : "\n") + json::serialize(plan_part));
  d.prices = api::sha256_hex("tcplan-saved-prices-v1\n" + json::serialize(price_part));
  return d;
}

std::optional<std::string> saved_plan_too_old(const SavedPlan& saved, base::Millis max_age,
                                              base::SysTime now) {
  const auto fetched = base::parse_rfc3339(saved.fetched_at);
  if (!fetched) {
    return "its fetched_at '" + saved.fetched_at +
           "' is not a time: make a new one with tcplan plan --out";
  }
  const auto age = std::chrono::duration_cast<base::Millis>(now - *fetched);
  if (age <= max_age) return std::nullopt;
  return "its prices were read at " + saved.fetched_at + ", " +
         base::format_duration(std::chrono::duration_cast<std::chrono::minutes>(age)) +
         " ago, longer than its max age of " + base::format_duration(max_age) +
         " ([approval] max_age): make a new one with tcplan plan --out";
}

namespace {

void diff_values(const std::string& step, const std::string& path, const json::value& a,
                 const json::value& b, std::vector<std::string>& out) {
  if (a.is_object() && b.is_object()) {
    for (const auto& [k, va] : a.as_object()) {
      std::string p = path.empty() ? std::string(k) : path + "." + std::string(k);
      if (auto* vb = b.as_object().if_contains(k)) {
        diff_values(step, p, va, *vb, out);
      } else {
        out.push_back("step '" + step + "' parameter " + p + ": " + json::serialize(va) +
                      " -> (removed)");
      }
    }
    for (const auto& [k, vb] : b.as_object()) {
      if (!a.as_object().contains(k)) {
        std::string p = path.empty() ? std::string(k) : path + "." + std::string(k);
        out.push_back("step '" + step + "' parameter " + p + ": (absent) -> " +
                      json::serialize(vb));
      }
    }
    return;
  }
  if (a.is_array() && b.is_array() && a.as_array().size() == b.as_array().size()) {
    for (std::size_t i = 0; i < a.as_array().size(); ++i) {
      diff_values(step, path + "[" + std::to_string(i) + "]", a.as_array()[i], b.as_array()[i],
                  out);
    }
    return;
  }
  if (a != b) {
    out.push_back("step '" + step + "' parameter " + path + ": " + json::serialize(a) + " -> " +
                  json::serialize(b));
  }
}

std::map<std::string, const json::object*> steps_by_id(const json::object& preview) {
  std::map<std::string, const json::object*> m;
  if (auto* steps = preview.if_contains("steps"); steps && steps->is_array()) {
    for (const auto& s : steps->as_array()) {
      if (!s.is_object()) continue;
      if (auto* id = s.as_object().if_contains("id"); id && id->is_string()) {
        m[std::string(id->as_string())] = &s.as_object();
      }
    }
  }
  return m;
}

std::optional<double> discounted(const json::object& step) {
  auto* price = step.if_contains("price");
  if (!price || !price->is_object()) return std::nullopt;
  auto* d = price->as_object().if_contains("discounted");
  if (!d || !d->is_number()) return std::nullopt;
  return d->to_number<double>();
}

void compare_price(const std::string& what, const json::object& a, const json::object& b,
                   double tolerance, std::vector<std::string>& out) {
  auto old_price = discounted(a), new_price = discounted(b);
  if (old_price && new_price) {
    double base = std::max(std::abs(*old_price), 0.01);
    if (std::abs(*new_price - *old_price) / base > tolerance) {
      char buf[200];
      std::snprintf(buf, sizeof buf, "%s price moved by more than %.0f%%: %.2f -> %.2f",
                    what.c_str(), tolerance * 100, *old_price, *new_price);
      out.push_back(buf);
    }
  } else if (old_price.has_value() != new_price.has_value()) {
    out.push_back(what + " price " + (old_price ? "is now unknown" : "was unknown when saved"));
  }
}

std::map<std::string, const json::object*> items_by_label(const json::object& step) {
  std::map<std::string, const json::object*> m;
  if (auto* items = step.if_contains("items"); items && items->is_array()) {
    for (const auto& it : items->as_array()) {
      if (!it.is_object()) continue;
      if (auto* l = it.as_object().if_contains("label"); l && l->is_string())
        m[std::string(l->as_string())] = &it.as_object();
    }
  }
  return m;
}

// The items of a for_each step, one by one: the set reviewed is the set applied.
void compare_items(const json::object& sa, const json::object& sb, double tolerance,
                   std::vector<std::string>& out) {
  auto a = items_by_label(sa), b = items_by_label(sb);
  for (const auto& [label, ia] : a) {
    auto it = b.find(label);
    if (it == b.end()) {
      out.push_back("item " + label + " is no longer in the plan");
      continue;
    }
    const json::value* pa = ia->if_contains("params");
    const json::value* pb = it->second->if_contains("params");
    if (pa && pb) diff_values(label, "", *pa, *pb, out);
    compare_price("item " + label, *ia, *it->second, tolerance, out);
  }
  for (const auto& [label, ib] : b) {
    if (!a.count(label)) out.push_back("item " + label + " was added to the plan");
  }
}

}  // namespace

std::vector<std::string> compare_previews(const json::object& saved, const json::object& fresh,
                                          double tolerance) {
  std::vector<std::string> out;
  auto a = steps_by_id(saved), b = steps_by_id(fresh);
  for (const auto& [id, sa] : a) {
    auto it = b.find(id);
    if (it == b.end()) {
      out.push_back("step '" + id + "' was removed from the plan");
      continue;
    }
    const json::object& sb = *it->second;
    static const json::value kNull;
    for (const char* key : {"kind", "service", "action", "version", "region"}) {
      const json::value* va = sa->if_contains(key);
      const json::value* vb = sb.if_contains(key);
      if ((va ? *va : kNull) != (vb ? *vb : kNull)) {
        out.push_back("step '" + id + "' " + key + ": " + json::serialize(va ? *va : kNull) +
                      " -> " + json::serialize(vb ? *vb : kNull));
      }
    }
    const json::value* pa = sa->if_contains("params");
    const json::value* pb = sb.if_contains("params");
    if (pa && pb) diff_values(id, "", *pa, *pb, out);
    compare_items(*sa, sb, tolerance, out);
    auto old_price = discounted(*sa), new_price = discounted(sb);
    if (old_price && new_price) {
      double base = std::max(std::abs(*old_price), 0.01);
      if (std::abs(*new_price - *old_price) / base > tolerance) {
        char buf[160];
        std::snprintf(buf, sizeof buf, "step '%s' price moved by more than %.0f%%: %.2f -> %.2f",
                      id.c_str(), tolerance * 100, *old_price, *new_price);
        out.push_back(buf);
      }
    } else if (old_price.has_value() != new_price.has_value()) {
      out.push_back("step '" + id + "' price " +
                    (old_price ? "is now unknown" : "was unknown when saved"));
    }
  }
  for (const auto& [id, sb] : b) {
    if (!a.count(id)) out.push_back("step '" + id + "' was added to the plan");
  }
  return out;
}

}  // namespace tcplan::executor
