// TOML -> Plan. Every table's keys are checked against what the format allows (typos are
// errors with a suggestion), every value is type-checked, and every value keeps its location.
#include "planner/parse.h"

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <sstream>

#include "api/hash.h"

namespace tcplan::planner {

namespace json = boost::json;

std::size_t find_invalid_utf8(std::string_view s) {
  std::size_t i = 0;
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  while (i < s.size()) {
    const unsigned char c = byte(i);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07;
    } else {
      return i;
    }
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size() || (byte(i + k) & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += n + 1;
  }
  return std::string_view::npos;
}

namespace {

Location where(const toml::node& n) {
  const auto& b = n.source().begin;
  return Location{b.line, b.column};
}

Location where(const toml::key& k) {
  const auto& b = k.source().begin;
  return Location{b.line, b.column};
}

Location location_of_offset(std::string_view text, std::size_t offset) {
  Location loc{1, 1};
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++loc.line;
      loc.column = 1;
    } else {
      ++loc.column;
    }
  }
  return loc;
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

class PlanParser {
 public:
  PlanParser(Plan& plan, Diagnostics& diags) : plan_(plan), d_(diags) {}

  void run(const toml::table& root) {
    check_keys(root,
               {"version", "name", "description", "region", "target", "window", "budget",
                "defaults", "guardrails", "vars", "steps"},
               "at the top level");
    top_level(root);
    if (const auto* n = root.get("window")) window(*n);
    if (const auto* n = root.get("budget")) budget(*n);
    if (const auto* n = root.get("defaults")) defaults(*n);
    if (const auto* n = root.get("guardrails")) guardrails(*n);
    if (const auto* n = root.get("vars")) vars(*n);
    steps(root);
  }

 private:
  // Unknown keys are errors: a typo must never be silently ignored.
  void check_keys(const toml::table& t, std::initializer_list<std::string_view> allowed,
                  const std::string& context) {
    std::vector<std::string_view> names(allowed);
    for (auto&& [k, v] : t) {
      if (std::find(names.begin(), names.end(), k.str()) != names.end()) continue;
      d_.error(where(k), "unknown key '" + std::string(k.str()) + "' " + context +
                             did_you_mean(k.str(), names));
    }
  }

  void type_error(const toml::node& n, std::string_view key, std::string_view expected) {
    d_.error(where(n), "'" + std::string(key) + "' must be " + std::string(expected) + ", not " +
                           type_name(n));
  }

  bool get_string(const toml::table& t, std::string_view key, std::string* out,
                  Location* at = nullptr) {
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

  bool get_int(const toml::table& t, std::string_view key, std::int64_t* out,
               Location* at = nullptr) {
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

  bool get_number(const toml::table& t, std::string_view key, double* out) {
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

  bool get_bool(const toml::table& t, std::string_view key, bool* out, Location* at = nullptr) {
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

  bool get_duration(const toml::table& t, std::string_view key, Millis* out) {
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

  const toml::table* get_table(const toml::node& n, std::string_view key) {
    if (const auto* t = n.as_table()) return t;
    type_error(n, key, "a table");
    return nullptr;
  }

  void top_level(const toml::table& root) {
    Location at;
    if (!get_int(root, "version", &plan_.version, &at)) {
      if (!root.get("version"))
        d_.error({1, 1}, "missing required key 'version' (write version = 1)");
    } else if (plan_.version != 1) {
      d_.error(at, "unsupported plan format version " + std::to_string(plan_.version) +
                       " (this tcplan reads version 1)");
    }
    if (!get_string(root, "name", &plan_.name, &plan_.name_at)) {
      if (!root.get("name")) d_.error({1, 1}, "missing required key 'name'");
    } else {
      const bool ok =
          !plan_.name.empty() && plan_.name.size() <= 64 &&
          std::all_of(plan_.name.begin(), plan_.name.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
          });
      if (!ok) d_.error(plan_.name_at, "plan name must be 1 to 64 of [A-Za-z0-9._-]");
    }
    get_string(root, "description", &plan_.description);
    get_string(root, "region", &plan_.region, &plan_.region_at);
    Location target_at;
    if (get_string(root, "target", &plan_.target, &target_at) && plan_.target != "local" &&
        plan_.target != "cloud") {
      d_.error(target_at, "target must be \"local\" or \"cloud\", not \"" + plan_.target + "\"");
    }
  }

  std::optional<TimePoint> date_time(const toml::table& t, std::string_view key, Location* at) {
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

  void window(const toml::node& n) {
    const toml::table* t = get_table(n, "window");
    if (!t) return;
    check_keys(*t, {"start", "end"}, "in [window]");
    Window w;
    auto start = date_time(*t, "start", &w.start_at);
    auto end = date_time(*t, "end", &w.end_at);
    if (!t->get("start")) d_.error(where(n), "[window] needs 'start'");
    if (!t->get("end")) d_.error(where(n), "[window] needs 'end'");
    if (!start || !end) return;
    w.start = *start;
    w.end = *end;
    plan_.window = w;
  }

  void budget(const toml::node& n) {
    const toml::table* t = get_table(n, "budget");
    if (!t) return;
    check_keys(*t, {"currency", "max_total", "max_hourly"}, "in [budget]");
    Budget b;
    b.at = where(n);
    Location cur_at;
    if (get_string(*t, "currency", &b.currency, &cur_at) && b.currency != "CNY" &&
        b.currency != "USD") {
      d_.error(cur_at, "currency must be \"CNY\" or \"USD\", not \"" + b.currency + "\"");
    }
    for (const char* key : {"max_total", "max_hourly"}) {
      double v = 0;
      if (!get_number(*t, key, &v)) continue;
      if (v < 0) {
        d_.error(where(*t->get(key)), std::string("'") + key + "' must not be negative");
        continue;
      }
      (std::string_view(key) == "max_total" ? b.max_total : b.max_hourly) = v;
    }
    plan_.budget = b;
  }

  bool retry(const toml::node& n, RetryPolicy* out) {
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

  bool on_failure(const toml::table& t, OnFailure* out) {
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

  void defaults(const toml::node& n) {
    const toml::table* t = get_table(n, "defaults");
    if (!t) return;
    check_keys(*t, {"timeout", "poll", "on_failure", "retry"}, "in [defaults]");
    get_duration(*t, "timeout", &plan_.defaults.timeout);
    get_duration(*t, "poll", &plan_.defaults.poll);
    on_failure(*t, &plan_.defaults.on_failure);
    if (const auto* r = t->get("retry")) retry(*r, &plan_.defaults.retry);
  }

  void guardrails(const toml::node& n) {
    const toml::table* t = get_table(n, "guardrails");
    if (!t) return;
    check_keys(*t, {"max_scale_in_nodes", "max_scale_out_nodes"}, "in [guardrails]");
    std::int64_t v = 0;
    if (get_int(*t, "max_scale_in_nodes", &v, &plan_.guardrails.scale_in_at)) {
      if (v < 0) d_.error(plan_.guardrails.scale_in_at, "max_scale_in_nodes must not be negative");
      plan_.guardrails.max_scale_in_nodes = v;
    }
    if (get_int(*t, "max_scale_out_nodes", &v, &plan_.guardrails.scale_out_at)) {
      if (v < 0) {
        d_.error(plan_.guardrails.scale_out_at, "max_scale_out_nodes must not be negative");
      }
      plan_.guardrails.max_scale_out_nodes = v;
    }
  }

 public:
  // TOML -> JSON with the types the API wants; dates have no JSON form and are refused.
  std::optional<json::value> to_json(const toml::node& n, int depth) {
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

 private:
  void vars(const toml::node& n) {
    const toml::table* t = get_table(n, "vars");
    if (!t) return;
    for (auto&& [k, v] : *t) {
      if (v.is_table()) {
        d_.error(where(k), "var '" + std::string(k.str()) +
                               "' is a table; vars hold strings, numbers, booleans or arrays");
        continue;
      }
      auto j = to_json(v, 1);
      if (!j) continue;
      plan_.vars[k.str()] = std::move(*j);
      plan_.var_at[std::string(k.str())] = where(k);
    }
  }

  void steps(const toml::table& root) {
    const toml::node* n = root.get("steps");
    if (n == nullptr) {
      d_.error({1, 1}, "the plan has no steps (add a [[steps]] table)");
      return;
    }
    const toml::array* arr = n->as_array();
    if (arr == nullptr || !arr->is_array_of_tables()) {
      d_.error(where(*n), "'steps' must be an array of tables ([[steps]])");
      return;
    }
    for (const auto& el : *arr) {
      Step s;
      if (step(*el.as_table(), &s, false)) {
        if (s.after_given) {
          // kept as written
        } else if (!plan_.steps.empty()) {
          s.after = {plan_.steps.back().id};
        }
        plan_.steps.push_back(std::move(s));
      }
    }
    plan_.rebuild_index();
  }

  static void kind_defaults(Step* s) {
    const bool no_action = s->action.empty();
    if (s->service.empty()) s->service = "emr";
    switch (s->kind) {
      case StepKind::kCreate:
        if (no_action) s->action = "CreateInstance";
        break;
      case StepKind::kScaleOut:
        if (no_action) s->action = "ScaleOutInstance";
        break;
      case StepKind::kScaleIn:
        if (no_action) s->action = "TerminateTasks";
        break;
      case StepKind::kRestart:
        if (no_action) s->action = "StartStopServiceOrMonitor";
        if (s->action == "StartStopServiceOrMonitor" && !s->params.contains("OpType")) {
          s->params["OpType"] = "RestartService";
        }
        break;
      case StepKind::kTerminate:
        if (no_action) s->action = s->service == "emr" ? "TerminateInstance" : "TerminateInstances";
        break;
      case StepKind::kScheduler:
        if (no_action) s->action = "ModifyResourceScheduler";
        break;
      case StepKind::kWait:
        if (no_action) {
          s->action = s->until.empty() ? "DescribeClusterFlowStatusDetail" : "DescribeInstances";
        }
        break;
      case StepKind::kCall:
        break;
    }
    if (s->version.empty()) {
      if (s->service == "emr") s->version = "2019-01-03";
      if (s->service == "cvm") s->version = "2017-03-12";
      if (s->service == "ecm") s->version = "2019-07-19";
    }
  }

  bool step(const toml::table& t, Step* s, bool is_undo) {
    s->is_undo = is_undo;
    s->at = where(t);
    const std::string ctx = is_undo ? "in [[steps.undo]]" : "in [[steps]]";
    check_keys(t, {"id",       "kind",         "service",     "action",
                   "version",  "region",       "after",       "params",
                   "timeout",  "poll",         "retry",       "on_failure",
                   "for_each", "max_parallel", "description", "allow_terminate",
                   "price",    "undo",         "select",      "cluster",
                   "flow",     "trace",        "until"},
               ctx);
    if (!get_string(t, "id", &s->id, &s->id_at)) {
      if (!t.get("id")) d_.error(s->at, "step has no 'id'");
      s->id = "#" + std::to_string(plan_.steps.size() + 1);
    }
    std::string kind;
    if (get_string(t, "kind", &kind, &s->kind_at)) {
      if (auto k = step_kind_from(kind)) {
        s->kind = *k;
      } else {
        d_.error(s->kind_at,
                 "unknown step kind '" + kind + "'" +
                     did_you_mean(kind, {"create", "wait", "scale_out", "scale_in", "restart",
                                         "terminate", "scheduler", "call"}) +
                     "; expected create, wait, scale_out, scale_in, restart, terminate, "
                     "scheduler or call");
        return false;
      }
    } else {
      if (!t.get("kind")) d_.error(s->at, "step '" + s->id + "' has no 'kind'");
      return false;
    }
    const std::string what = " of step '" + s->id + "'";
    get_string(t, "service", &s->service, &s->service_at);
    get_string(t, "action", &s->action, &s->action_at);
    get_string(t, "version", &s->version, &s->version_at);
    get_string(t, "region", &s->region);
    if (s->region.empty()) s->region = plan_.region;
    get_string(t, "description", &s->description);
    get_bool(t, "allow_terminate", &s->allow_terminate, &s->allow_terminate_at);

    if (const auto* a = t.get("after")) {
      s->after_at = where(*a);
      s->after_given = true;
      if (const auto* arr = a->as_array()) {
        for (const auto& el : *arr) {
          if (const auto* str = el.as_string()) {
            s->after.push_back(str->get());
            s->after_item_at.push_back(where(el));
          } else {
            d_.error(where(el),
                     "'after' lists step ids (strings), not " + std::string(type_name(el)));
          }
        }
      } else {
        type_error(*a, "after", "a list of step ids");
      }
      if (is_undo)
        d_.error(s->after_at,
                 "'after' is not allowed in [[steps.undo]]: undo steps run in reverse order");
    }

    if (const auto* p = t.get("params")) {
      s->params_at = where(*p);
      if (const auto* pt = get_table(*p, "params")) {
        s->params_node = pt;
        if (auto j = to_json(*p, 0)) s->params = std::move(j->as_object());
      }
    }

    s->timeout = plan_.defaults.timeout;
    s->poll = plan_.defaults.poll;
    s->retry = plan_.defaults.retry;
    s->on_failure = plan_.defaults.on_failure;
    if (const auto* n = t.get("timeout")) s->timeout_at = where(*n);
    get_duration(t, "timeout", &s->timeout);
    get_duration(t, "poll", &s->poll);
    if (const auto* r = t.get("retry")) retry(*r, &s->retry);
    on_failure(t, &s->on_failure);

    if (const auto* f = t.get("for_each")) {
      s->for_each_at = where(*f);
      if (f->is_array() || f->is_string()) {
        if (auto j = to_json(*f, 0)) s->for_each = std::move(*j);
      } else {
        type_error(*f, "for_each", "a list or a reference to one (\"${vars.NAME}\")");
      }
      if (is_undo) d_.error(s->for_each_at, "'for_each' is not allowed in [[steps.undo]]");
    }
    std::int64_t mp = 0;
    if (get_int(t, "max_parallel", &mp, &s->max_parallel_at)) {
      if (mp < 1) {
        d_.error(s->max_parallel_at, "max_parallel must be at least 1");
      } else if (!t.get("for_each")) {
        d_.error(s->max_parallel_at, "max_parallel only applies to a step with for_each");
      } else {
        s->max_parallel = static_cast<int>(std::min<std::int64_t>(mp, 1'000'000));
      }
    }

    // Keys that belong to one kind only.
    const bool wait = s->kind == StepKind::kWait;
    for (const char* key : {"cluster", "flow", "trace", "until"}) {
      if (const auto* n = t.get(key); n && !wait) {
        d_.error(where(*n), std::string("'") + key + "' is only allowed on wait steps" + what);
      }
    }
    if (wait) {
      get_string(t, "cluster", &s->cluster, &s->cluster_at);
      get_string(t, "flow", &s->flow, &s->flow_at);
      get_string(t, "trace", &s->trace, &s->trace_at);
      get_string(t, "until", &s->until, &s->until_at);
      if (const auto* p = t.get("params")) {
        d_.error(where(*p), "a wait step takes cluster and flow/trace/until, not params");
      }
    }
    if (const auto* n = t.get("select")) {
      if (s->kind != StepKind::kScaleIn) {
        d_.error(where(*n), "[steps.select] is only allowed on scale_in steps" + what);
      } else {
        select(*n, s);
      }
    }
    if (const auto* n = t.get("price")) price(*n, s);
    if (const auto* n = t.get("undo")) {
      if (is_undo) {
        d_.error(where(*n), "[[steps.undo]] cannot have an undo of its own");
      } else if (const auto* arr = n->as_array(); arr && arr->is_array_of_tables()) {
        for (const auto& el : *arr) {
          Step u;
          if (step(*el.as_table(), &u, true)) s->undo.push_back(std::move(u));
        }
      } else {
        d_.error(where(*n), "'undo' must be an array of tables ([[steps.undo]])");
      }
    }
    kind_defaults(s);
    return true;
  }

  void select(const toml::node& n, Step* s) {
    const toml::table* t = get_table(n, "select");
    if (!t) return;
    check_keys(*t, {"node_flag", "added_by", "newest"}, "in [steps.select]");
    Selection sel;
    sel.at = where(n);
    if (get_string(*t, "node_flag", &sel.node_flag, &sel.node_flag_at)) {
      if (sel.node_flag != "task" && sel.node_flag != "core" && sel.node_flag != "router") {
        d_.error(sel.node_flag_at, "node_flag must be task, core or router, not \"" +
                                       sel.node_flag + "\"" +
                                       did_you_mean(sel.node_flag, {"task", "core", "router"}));
      }
    } else if (!t->get("node_flag")) {
      d_.error(sel.at, "[steps.select] needs node_flag (task, core or router)");
    }
    get_string(*t, "added_by", &sel.added_by, &sel.added_by_at);
    if (get_int(*t, "newest", &sel.newest, &sel.newest_at) && sel.newest < 1) {
      d_.error(sel.newest_at, "newest must be at least 1");
    }
    const bool by = t->get("added_by") != nullptr, newest = t->get("newest") != nullptr;
    if (by == newest) {
      d_.error(sel.at, "[steps.select] needs exactly one of added_by or newest");
    }
    s->select = std::move(sel);
  }

  void price(const toml::node& n, Step* s) {
    const toml::table* t = get_table(n, "price");
    if (!t) return;
    check_keys(*t, {"service", "action", "version", "params"}, "in [steps.price]");
    PriceInquiry p;
    p.at = where(n);
    get_string(*t, "service", &p.service);
    if (!get_string(*t, "action", &p.action, &p.action_at) && !t->get("action")) {
      d_.error(p.at, "[steps.price] needs 'action' (an InquiryPrice* action)");
    }
    get_string(*t, "version", &p.version);
    if (const auto* pn = t->get("params")) {
      if (const auto* pt = get_table(*pn, "params")) {
        p.params_node = pt;
        if (auto j = to_json(*pn, 0)) p.params = std::move(j->as_object());
      }
    }
    s->price = std::move(p);
  }

  Plan& plan_;
  Diagnostics& d_;
};

}  // namespace

std::optional<Plan> parse_plan(const std::string& file, std::string text, Diagnostics& diags) {
  diags.set_source(text);
  if (text.size() > kMaxPlanBytes) {
    diags.error({}, "file is too large (" + std::to_string(text.size()) +
                        " bytes; a plan may be at most " + std::to_string(kMaxPlanBytes >> 20) +
                        " MiB)");
    return std::nullopt;
  }
  if (const std::size_t bad = find_invalid_utf8(text); bad != std::string::npos) {
    diags.error(location_of_offset(text, bad),
                "file is not valid UTF-8 (TOML files must be UTF-8)");
    return std::nullopt;
  }
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    diags.error({}, "file is empty: a plan needs at least version, name and one [[steps]]");
    return std::nullopt;
  }
  Plan plan;
  plan.file = file;
  plan.sha256 = api::sha256_hex(text);
  try {
    plan.root = std::make_shared<toml::table>(toml::parse(text, file));
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    diags.error(Location{b.line, b.column},
                "not a valid TOML document: " + std::string(e.description()));
    return std::nullopt;
  }
  plan.text = std::move(text);
  PlanParser(plan, diags).run(*plan.root);
  return plan;
}

std::optional<Plan> load_plan(const std::filesystem::path& path, Diagnostics& diags) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    diags.error({}, "cannot read the plan: " + ec.message());
    return std::nullopt;
  }
  if (size > kMaxPlanBytes) {
    diags.error({}, "file is too large (" + std::to_string(size) +
                        " bytes; a plan may be at most " + std::to_string(kMaxPlanBytes >> 20) +
                        " MiB)");
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.error({}, "cannot open the plan for reading");
    return std::nullopt;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  return parse_plan(diags.file(), buf.str(), diags);
}

}  // namespace tcplan::planner
