#include "executor/saved_plan.h"

#include <boost/json.hpp>
#include <cmath>
#include <map>

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
  if (auto* p = o.if_contains("preview"); p && p->is_object()) s.preview = p->as_object();
  if (s.plan_file.empty() || s.plan_sha256.empty() || s.preview.empty()) {
    return base::Error{"saved plan is missing plan_file, plan_sha256 or preview"};
  }
  return s;
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
