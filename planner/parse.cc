// TOML -> Plan: input checks (size, UTF-8, empty), the TOML parser, then the top-level tables
// here and the steps in parse_steps.cc, through the typed reads of plan_reader.h.
#include "planner/parse.h"

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "api/hash.h"
#include "base/duration.h"
#include "base/utf8.h"
#include "planner/plan_reader.h"

namespace tcplan::planner {

namespace json = boost::json;

namespace {

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

// The top-level tables; [[steps]] are read_steps' (parse_steps.cc).
class PlanParser {
 public:
  PlanParser(Plan& plan, Diagnostics& diags) : plan_(plan), d_(diags), r_(diags) {}

  void run(const toml::table& root) {
    r_.check_keys(root,
                  {"version", "name", "description", "region", "target", "window", "budget",
                   "approval", "defaults", "guardrails", "vars", "steps", "groups"},
                  "at the top level");
    top_level(root);
    if (const auto* n = root.get("window")) window(*n);
    if (const auto* n = root.get("budget")) budget(*n);
    if (const auto* n = root.get("approval")) approval(*n);
    if (const auto* n = root.get("defaults")) defaults(*n);
    if (const auto* n = root.get("guardrails")) guardrails(*n);
    if (const auto* n = root.get("vars")) vars(*n);
    read_steps(r_, root, plan_);
  }

 private:
  void top_level(const toml::table& root) {
    Location at;
    if (!r_.get_int(root, "version", &plan_.version, &at)) {
      if (!root.get("version"))
        d_.error({1, 1}, "missing required key 'version' (write version = 1)");
    } else if (plan_.version != 1) {
      d_.error(at, "unsupported plan format version " + std::to_string(plan_.version) +
                       " (this tcplan reads version 1)");
    }
    if (!r_.get_string(root, "name", &plan_.name, &plan_.name_at)) {
      if (!root.get("name")) d_.error({1, 1}, "missing required key 'name'");
    } else {
      const bool ok =
          !plan_.name.empty() && plan_.name.size() <= 64 &&
          std::all_of(plan_.name.begin(), plan_.name.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
          });
      if (!ok) d_.error(plan_.name_at, "plan name must be 1 to 64 of [A-Za-z0-9._-]");
    }
    r_.get_string(root, "description", &plan_.description);
    r_.get_string(root, "region", &plan_.region, &plan_.region_at);
    Location target_at;
    if (r_.get_string(root, "target", &plan_.target, &target_at) && plan_.target != "local" &&
        plan_.target != "cloud") {
      d_.error(target_at, "target must be \"local\" or \"cloud\", not \"" + plan_.target + "\"");
    }
  }

  void window(const toml::node& n) {
    const toml::table* t = r_.get_table(n, "window");
    if (!t) return;
    r_.check_keys(*t, {"start", "end"}, "in [window]");
    Window w;
    auto start = r_.date_time(*t, "start", &w.start_at);
    auto end = r_.date_time(*t, "end", &w.end_at);
    if (!t->get("start")) d_.error(where(n), "[window] needs 'start'");
    if (!t->get("end")) d_.error(where(n), "[window] needs 'end'");
    if (!start || !end) return;
    w.start = *start;
    w.end = *end;
    plan_.window = w;
  }

  void budget(const toml::node& n) {
    const toml::table* t = r_.get_table(n, "budget");
    if (!t) return;
    r_.check_keys(*t, {"currency", "max_total", "max_hourly"}, "in [budget]");
    Budget b;
    b.at = where(n);
    Location cur_at;
    if (r_.get_string(*t, "currency", &b.currency, &cur_at) && b.currency != "CNY" &&
        b.currency != "USD") {
      d_.error(cur_at, "currency must be \"CNY\" or \"USD\", not \"" + b.currency + "\"");
    }
    for (const char* key : {"max_total", "max_hourly"}) {
      double v = 0;
      if (!r_.get_number(*t, key, &v)) continue;
      if (v < 0) {
        d_.error(where(*t->get(key)), std::string("'") + key + "' must not be negative");
        continue;
      }
      (std::string_view(key) == "max_total" ? b.max_total : b.max_hourly) = v;
    }
    plan_.budget = b;
  }

  void approval(const toml::node& n) {
    const toml::table* t = r_.get_table(n, "approval");
    if (!t) return;
    r_.check_keys(*t, {"required", "approvers", "max_age"}, "in [approval]");
    ApprovalPolicy a;
    a.at = where(n);
    if (r_.get_int(*t, "required", &a.required, &a.required_at) && a.required < 0) {
      d_.error(a.required_at, "[approval] required must not be negative");
    }
    if (const auto* list = t->get("approvers")) {
      a.approvers_at = where(*list);
      if (const auto* arr = list->as_array()) {
        for (const auto& el : *arr) {
          const auto* s = el.as_string();
          const bool fingerprint = s && s->get().size() == 16 &&
                                   std::all_of(s->get().begin(), s->get().end(), [](char c) {
                                     return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                                   });
          if (!fingerprint) {
            d_.error(where(el),
                     "[approval] approvers lists key fingerprints: 16 lowercase hex digits, as "
                     "`tcplan approve` prints them");
            continue;
          }
          a.approvers.push_back(s->get());
        }
        if (a.approvers.empty() && arr->empty()) {
          d_.error(a.approvers_at, "[approval] approvers is empty: leave it out to accept any key");
        }
      } else {
        r_.type_error(*list, "approvers", "a list of key fingerprints");
      }
    }
    if (const auto* age = t->get("max_age")) {
      a.max_age_at = where(*age);
      Millis m{0};
      if (r_.get_duration(*t, "max_age", &m)) a.max_age = m;
    }
    if (!a.approvers.empty() && a.required == 0) {
      d_.error(a.approvers_at, "[approval] approvers needs required = 1 or more");
    }
    if (static_cast<std::size_t>(std::max<std::int64_t>(a.required, 0)) > a.approvers.size() &&
        !a.approvers.empty()) {
      d_.error(a.required_at.line ? a.required_at : a.at,
               "[approval] required = " + std::to_string(a.required) + " but only " +
                   std::to_string(a.approvers.size()) + " approvers are allowed");
    }
    plan_.approval = std::move(a);
  }

  void defaults(const toml::node& n) {
    const toml::table* t = r_.get_table(n, "defaults");
    if (!t) return;
    r_.check_keys(*t, {"timeout", "poll", "on_failure", "retry"}, "in [defaults]");
    r_.get_duration(*t, "timeout", &plan_.defaults.timeout);
    r_.get_duration(*t, "poll", &plan_.defaults.poll);
    r_.on_failure(*t, &plan_.defaults.on_failure);
    if (const auto* r = t->get("retry")) r_.retry(*r, &plan_.defaults.retry);
  }

  void guardrails(const toml::node& n) {
    const toml::table* t = r_.get_table(n, "guardrails");
    if (!t) return;
    r_.check_keys(*t, {"max_scale_in_nodes", "max_scale_out_nodes"}, "in [guardrails]");
    std::int64_t v = 0;
    if (r_.get_int(*t, "max_scale_in_nodes", &v, &plan_.guardrails.scale_in_at)) {
      if (v < 0) d_.error(plan_.guardrails.scale_in_at, "max_scale_in_nodes must not be negative");
      plan_.guardrails.max_scale_in_nodes = v;
    }
    if (r_.get_int(*t, "max_scale_out_nodes", &v, &plan_.guardrails.scale_out_at)) {
      if (v < 0) {
        d_.error(plan_.guardrails.scale_out_at, "max_scale_out_nodes must not be negative");
      }
      plan_.guardrails.max_scale_out_nodes = v;
    }
  }

  void vars(const toml::node& n) {
    const toml::table* t = r_.get_table(n, "vars");
    if (!t) return;
    for (auto&& [k, v] : *t) {
      if (v.is_table()) {
        d_.error(where(k), "var '" + std::string(k.str()) +
                               "' is a table; vars hold strings, numbers, booleans or arrays");
        continue;
      }
      auto j = r_.to_json(v, 1);
      if (!j) continue;
      plan_.vars[k.str()] = std::move(*j);
      plan_.var_at[std::string(k.str())] = where(k);
    }
  }

  Plan& plan_;
  Diagnostics& d_;
  PlanReader r_;
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
  if (const std::size_t bad = base::find_invalid_utf8(text); bad != std::string::npos) {
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
