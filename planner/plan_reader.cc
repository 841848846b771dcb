#include "planner/plan_reader.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "base/duration.h"
#include "planner/parse.h"

namespace tcplan::planner {

namespace json = boost::json;

Location where(const toml::node& n) {
  const auto& b = n.source().begin;
  return Location{b.line, b.column};
}

Location where(const toml::key& k) {
  const auto& b = k.source().begin;
  return Location{b.line, b.column};
}

const char* type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date/time";
    case toml::node_type::none:
      break;
  }
  return "a value";
}

void PlanReader::check_keys(const toml::table& t, std::initializer_list<std::string_view> allowed,
                            const std::string& context) {
  std::vector<std::string_view> names(allowed);
  for (auto&& [k, v] : t) {
    if (std::find(names.begin(), names.end(), k.str()) != names.end()) continue;
    d_.error(where(k), "unknown key '" + std::string(k.str()) + "' " + context +
                           did_you_mean(k.str(), names));
  }
}

void PlanReader::type_error(const toml::node& n, std::string_view key, std::string_view expected) {
  d_.error(where(n),
           "'" + std::string(key) + "' must be " + std::string(expected) + ", not " + type_name(n));
}

bool PlanReader::get_string(const toml::table& t, std::string_view key, std::string* out,
                            Location* at) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return false;
  if (at) *at = where(*n);
  if (const auto* s = n->as_string()) {
    *out = s->get();
    return true;
  }
  type_error(*n, key, "a string");
  return false;
}

bool PlanReader::get_int(const toml::table& t, std::string_view key, std::int64_t* out,
                         Location* at) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return false;
  if (at) *at = where(*n);
  if (const auto* i = n->as_integer()) {
    *out = i->get();
    return true;
  }
  type_error(*n, key, "an integer");
  return false;
}

bool PlanReader::get_number(const toml::table& t, std::string_view key, double* out) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return false;
  if (const auto* i = n->as_integer()) {
    *out = static_cast<double>(i->get());
    return true;
  }
  if (const auto* f = n->as_floating_point()) {
    *out = f->get();
    return true;
  }
  type_error(*n, key, "a number");
  return false;
}

bool PlanReader::get_bool(const toml::table& t, std::string_view key, bool* out, Location* at) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return false;
  if (at) *at = where(*n);
  if (const auto* b = n->as_boolean()) {
    *out = b->get();
    return true;
  }
  type_error(*n, key, "true or false");
  return false;
}

bool PlanReader::get_duration(const toml::table& t, std::string_view key, Millis* out) {
  std::string text;
  Location at;
  if (!get_string(t, key, &text, &at)) return false;
  auto d = base::parse_duration(text);
  if (!d) {
    d_.error(at, "'" + std::string(key) + "' is not a duration: \"" + text +
                     "\" (write e.g. 500ms, 45s, 30m, 2h, 1h30m)");
    return false;
  }
  if (d->count() <= 0) {
    d_.error(at, "'" + std::string(key) + "' must be longer than 0");
    return false;
  }
  *out = *d;
  return true;
}

const toml::table* PlanReader::get_table(const toml::node& n, std::string_view key) {
  if (const auto* t = n.as_table()) return t;
  type_error(n, key, "a table");
  return nullptr;
}

std::optional<TimePoint> PlanReader::date_time(const toml::table& t, std::string_view key,
                                               Location* at) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return std::nullopt;
  *at = where(*n);
  const auto* dt = n->as_date_time();
  if (dt == nullptr) {
    type_error(*n, key, "an offset date-time (2026-11-24T01:00:00+08:00)");
    return std::nullopt;
  }
  const toml::date_time& v = dt->get();
  if (!v.offset) {
    d_.error(*at, "'" + std::string(key) +
                      "' needs a UTC offset (2026-11-24T01:00:00+08:00), or the time is "
                      "ambiguous");
    return std::nullopt;
  }
  using namespace std::chrono;
  const sys_days date = year_month_day{year{static_cast<int>(v.date.year)},
                                       month{static_cast<unsigned>(v.date.month)},
                                       day{static_cast<unsigned>(v.date.day)}};
  auto tp = time_point_cast<milliseconds>(date) + hours{v.time.hour} + minutes{v.time.minute} +
            seconds{v.time.second} + milliseconds{v.time.nanosecond / 1'000'000} -
            minutes{v.offset->minutes};
  return tp;
}

std::optional<json::value> PlanReader::to_json(const toml::node& n, int depth) {
  if (depth > kMaxParamDepth) {
    d_.error(where(n), "nested more than " + std::to_string(kMaxParamDepth) + " levels deep");
    return std::nullopt;
  }
  switch (n.type()) {
    case toml::node_type::string:
      return json::value(n.as_string()->get());
    case toml::node_type::integer:
      return json::value(n.as_integer()->get());
    case toml::node_type::floating_point:
      return json::value(n.as_floating_point()->get());
    case toml::node_type::boolean:
      return json::value(n.as_boolean()->get());
    case toml::node_type::array: {
      json::array out;
      bool ok = true;
      for (const auto& el : *n.as_array()) {
        auto v = to_json(el, depth + 1);
        if (!v) {
          ok = false;
          continue;
        }
        out.push_back(std::move(*v));
      }
      if (!ok) return std::nullopt;
      return json::value(std::move(out));
    }
    case toml::node_type::table: {
      json::object out;
      bool ok = true;
      for (auto&& [k, v] : *n.as_table()) {
        auto j = to_json(v, depth + 1);
        if (!j) {
          ok = false;
          continue;
        }
        out[k.str()] = std::move(*j);
      }
      if (!ok) return std::nullopt;
      return json::value(std::move(out));
    }
    default:
      d_.error(where(n),
               "dates and times are only allowed in [window]; write API times as strings");
      return std::nullopt;
  }
}

bool PlanReader::retry(const toml::node& n, RetryPolicy* out) {
  const toml::table* t = get_table(n, "retry");
  if (!t) return false;
  check_keys(*t, {"max_attempts", "initial_backoff", "max_backoff"}, "in retry");
  std::int64_t attempts = 0;
  Location at;
  if (get_int(*t, "max_attempts", &attempts, &at)) {
    if (attempts < 1 || attempts > 100) {
      d_.error(at, "max_attempts must be between 1 and 100");
    } else {
      out->max_attempts = static_cast<int>(attempts);
    }
  }
  get_duration(*t, "initial_backoff", &out->initial_backoff);
  get_duration(*t, "max_backoff", &out->max_backoff);
  if (out->initial_backoff > out->max_backoff) {
    d_.error(where(n), "retry initial_backoff (" + base::format_duration(out->initial_backoff) +
                           ") is longer than max_backoff (" +
                           base::format_duration(out->max_backoff) + ")");
  }
  return true;
}

bool PlanReader::on_failure(const toml::table& t, OnFailure* out) {
  std::string s;
  Location at;
  if (!get_string(t, "on_failure", &s, &at)) return false;
  if (s == "stop") {
    *out = OnFailure::kStop;
  } else if (s == "continue") {
    *out = OnFailure::kContinue;
  } else if (s == "rollback") {
    *out = OnFailure::kRollback;
  } else {
    d_.error(at, "on_failure must be stop, continue or rollback, not \"" + s + "\"" +
                     did_you_mean(s, {"stop", "continue", "rollback"}));
    return false;
  }
  return true;
}

}  // namespace tcplan::planner
