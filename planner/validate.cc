// Plan validation. The order of checks follows the file: per step, in step order, so the
// messages of one run read top to bottom.
#include "planner/validate.h"

#include <toml++/toml.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <regex>
#include <set>

#include "planner/parse.h"
#include "planner/reference.h"

namespace tcplan::planner {

namespace json = boost::json;

bool kind_fills_client_token(StepKind kind) {
  return kind == StepKind::kCreate || kind == StepKind::kScaleOut || kind == StepKind::kCall;
}

bool kind_allows_action(StepKind kind, std::string_view service, std::string_view action) {
  const bool emr = service == "emr";
  switch (kind) {
    case StepKind::kCreate:
      return emr && (action == "CreateInstance" || action == "CreateCluster");
    case StepKind::kScaleOut:
      return emr && (action == "ScaleOutInstance" || action == "ScaleOutCluster");
    case StepKind::kScaleIn:
      return emr && (action == "TerminateTasks" || action == "TerminateClusterNodes");
    case StepKind::kRestart:
      return emr && action == "StartStopServiceOrMonitor";
    case StepKind::kTerminate:
      return (emr && action == "TerminateInstance") ||
             ((service == "cvm" || service == "ecm") && action == "TerminateInstances");
    case StepKind::kScheduler:
      return emr &&
             (action == "ModifyResourceScheduler" || action == "ModifyResourceScheduleConfig");
    case StepKind::kWait:
      return emr && (action == "DescribeClusterFlowStatusDetail" || action == "DescribeInstances");
    case StepKind::kCall:
      return true;
  }
  return false;
}

namespace {

// Marks a placeholder string that stands for a value known only at run time.
constexpr std::string_view kUnknown = "\x01(known after apply)";

bool is_unknown(const json::value& v) {
  return v.is_string() && v.as_string().size() >= 1 && v.as_string()[0] == '\x01';
}

bool valid_step_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

json::value placeholder_for(std::string_view type, const api::Catalog& catalog, int depth = 0) {
  if (auto el = api::array_element(type); !el.empty()) {
    json::array a;
    a.push_back(placeholder_for(el, catalog, depth + 1));
    return a;
  }
  if (type == "Integer") return json::value(std::int64_t{0});
  if (type == "Float") return json::value(0.0);
  if (type == "Boolean") return json::value(false);
  if (type == "String") return json::value(kUnknown);
  // A structure: an object of its required fields, so nested checks still pass.
  json::object o;
  if (const auto* s = catalog.struct_type(type); s && depth < 8) {
    for (const auto& f : s->fields) {
      if (f.required) o[f.name] = placeholder_for(f.type, catalog, depth + 1);
    }
  }
  return o;
}

struct IdRule {
  const char* service;
  const char* field;  // last path component
  const char* pattern;
  const char* example;
};
constexpr IdRule kIdRules[] = {
    {"emr", "InstanceId", "emr-[a-z0-9]{8}", "emr-4slr7ad7"},
    {"emr", "ResourceIds", "emr-vm-[a-z0-9]{7,8}", "emr-vm-6xyf2cb2"},
    {"emr", "ResourceIdList", "emr-vm-[a-z0-9]{7,8}", "emr-vm-6xyf2cb2"},
    {"emr", "ResourceId", "emr-vm-[a-z0-9]{7,8}", "emr-vm-6xyf2cb2"},
    {"emr", "CvmInstanceIds", "ins-[a-z0-9]{8}", "ins-42u6moui"},
    {"cvm", "InstanceIds", "ins-[a-z0-9]{8}", "ins-3jaw1j8m"},
    {"ecm", "InstanceIdSet", "ein-[a-z0-9]{8}", "ein-197252sp"},
};

// Compiled once: std::regex construction is far slower than matching.
const std::regex& id_regex(const IdRule& rule) {
  static const std::vector<std::regex> compiled = [] {
    std::vector<std::regex> out;
    for (const IdRule& r : kIdRules)
      out.emplace_back(r.pattern);
    return out;
  }();
  return compiled[static_cast<std::size_t>(&rule - kIdRules)];
}

struct EnumRule {
  const char* field;
  std::vector<std::string> values;
};
const std::vector<EnumRule>& enum_rules() {
  static const std::vector<EnumRule> rules = {
      {"InstanceChargeType", {"PREPAID", "POSTPAID_BY_HOUR", "SPOTPAID"}},
      {"NodeFlag", {"MASTER", "CORE", "TASK", "ROUTER"}},
      {"OpType", {"StartService", "StopService", "StartMonitor", "StopMonitor", "RestartService"}},
      {"PayMode", {"0", "1"}},
      {"TimeUnit", {"s", "m"}},
  };
  return rules;
}

std::string scalar_text(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  return json::serialize(v);
}

std::string last_component(std::string_view path) {
  std::string_view p = path;
  if (auto b = p.rfind('['); b != p.npos && p.back() == ']') p = p.substr(0, b);
  if (auto dot = p.rfind('.'); dot != p.npos) p = p.substr(dot + 1);
  return std::string(p);
}

class Validator {
 public:
  Validator(const Plan& plan, Diagnostics& d, const ValidateOptions& o)
      : plan_(plan), d_(d), catalog_(o.catalog ? *o.catalog : api::Catalog::builtin()) {
    env_defined_ = o.env_defined;
    if (!env_defined_) {
      env_defined_ = [](std::string_view name) {
        return std::getenv(std::string(name).c_str()) != nullptr;
      };
    }
  }

  void run() {
    ids();
    graph();
    window();
    for (std::size_t i = 0; i < plan_.steps.size(); ++i) {
      const Step& s = plan_.steps[i];
      step(s, static_cast<int>(i), nullptr);
      for (const Step& u : s.undo)
        step(u, static_cast<int>(i), &s);
    }
    cluster_waits();
  }

 private:
  // --- ids and the graph -------------------------------------------------------------------
  void ids() {
    std::map<std::string, Location, std::less<>> seen;
    const auto check = [&](const Step& s) {
      if (s.id.empty() || s.id[0] == '#') return;  // missing: reported by the parser
      if (!valid_step_id(s.id)) {
        d_.error(s.id_at, "step id '" + s.id + "' must be 1 to 64 of [a-z0-9_-]");
      } else if (s.id == kPreviewStepId) {
        d_.error(s.id_at, std::string("step id '") + kPreviewStepId +
                              "' is reserved: the dry run records its reads under it");
      }
      auto [it, fresh] = seen.emplace(s.id, s.id_at);
      if (!fresh) {
        d_.error(s.id_at, "duplicate step id '" + s.id + "' (first used at line " +
                              std::to_string(it->second.line) + ")");
      }
    };
    for (const Step& s : plan_.steps) {
      check(s);
      for (const Step& u : s.undo)
        check(u);
    }
  }

  void graph() {
    const std::size_t n = plan_.steps.size();
    std::vector<std::string_view> names;
    for (const Step& s : plan_.steps)
      names.push_back(s.id);
    edges_.assign(n, {});
    for (std::size_t i = 0; i < n; ++i) {
      const Step& s = plan_.steps[i];
      for (std::size_t k = 0; k < s.after.size(); ++k) {
        const std::string& dep = s.after[k];
        const Location at = k < s.after_item_at.size() ? s.after_item_at[k] : s.after_at;
        const int j = plan_.index_of(dep);
        if (j < 0) {
          d_.error(at, "step '" + s.id + "' runs after unknown step '" + dep + "'" +
                           did_you_mean(dep, names));
        } else if (static_cast<std::size_t>(j) == i) {
          d_.error(at, "step '" + s.id + "' cannot run after itself");
        } else {
          edges_[i].push_back(j);
        }
      }
    }
    // Cycle detection (iterative DFS: a 1,000-step chain must not exhaust the stack).
    std::vector<int> state(n, 0);  // 0 new, 1 on stack, 2 done
    acyclic_ = true;
    for (std::size_t root = 0; root < n && acyclic_; ++root) {
      if (state[root]) continue;
      std::vector<std::pair<int, std::size_t>> stack{{static_cast<int>(root), 0}};
      state[root] = 1;
      while (!stack.empty() && acyclic_) {
        auto& [v, next] = stack.back();
        if (next < edges_[v].size()) {
          const int w = edges_[v][next++];
          if (state[w] == 1) {
            acyclic_ = false;
            std::string cycle = plan_.steps[w].id;
            for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
              cycle = plan_.steps[it->first].id + " -> " + cycle;
              if (it->first == w) break;
            }
            const Step& s = plan_.steps[v];
            d_.error(s.after_at.line ? s.after_at : s.at, "the steps form a cycle: " + cycle);
          } else if (state[w] == 0) {
            state[w] = 1;
            stack.emplace_back(w, 0);
          }
        } else {
          state[v] = 2;
          stack.pop_back();
        }
      }
    }
    if (!acyclic_) return;
    // Ancestor sets as bitsets, filled in topological order (every dep finishes first).
    const std::size_t words = (n + 63) / 64;
    ancestors_.assign(n, std::vector<std::uint64_t>(words, 0));
    std::vector<int> order;
    std::vector<int> indeg(n, 0);
    std::vector<std::vector<int>> out(n);
    for (std::size_t i = 0; i < n; ++i) {
      for (int j : edges_[i]) {
        out[j].push_back(static_cast<int>(i));
        ++indeg[i];
      }
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (indeg[i] == 0) order.push_back(static_cast<int>(i));
    }
    for (std::size_t k = 0; k < order.size(); ++k) {
      const int v = order[k];
      for (int w : out[v]) {
        auto& a = ancestors_[w];
        a[v / 64] |= std::uint64_t{1} << (v % 64);
        for (std::size_t x = 0; x < words; ++x)
          a[x] |= ancestors_[v][x];
        if (--indeg[w] == 0) order.push_back(w);
      }
    }
  }

  bool is_ancestor(int ancestor, int of) const {
    if (!acyclic_ || ancestor < 0 || of < 0) return false;
    return (ancestors_[of][ancestor / 64] >> (ancestor % 64)) & 1;
  }

  // --- window ------------------------------------------------------------------------------
  void window() {
    if (!plan_.window) return;
    const Window& w = *plan_.window;
    if (w.end <= w.start) {
      d_.error(w.end_at, "window end is not after its start");
      return;
    }
    const auto length = std::chrono::duration_cast<Millis>(w.end - w.start);
    if (length > std::chrono::hours(24 * 7)) {
      d_.warning(w.end_at, "the change window is longer than a week");
    }
    for (const Step& s : plan_.steps) {
      if (s.timeout > length) {
        d_.error(s.timeout_at.line ? s.timeout_at : s.at,
                 "step '" + s.id + "' timeout " + base::format_duration(s.timeout) +
                     " is longer than the change window (" + base::format_duration(length) + ")");
      }
    }
  }

  // --- one step ----------------------------------------------------------------------------
  void step(const Step& s, int index, const Step* parent) {
    const std::string what = "step '" + s.id + "'";
    const api::ActionSpec* spec = nullptr;
    if (!kind_allows_action(s.kind, s.service, s.action)) {
      d_.error(
          s.action_at.line ? s.action_at : (s.service_at.line ? s.service_at : s.kind_at),
          "a " + std::string(to_string(s.kind)) + " step cannot use " + s.service + " " + s.action);
    } else if (s.kind == StepKind::kCall && (s.service_at.line == 0 || s.action_at.line == 0)) {
      d_.error(s.kind_at, "a call step needs both 'service' and 'action'");
    } else if (catalog_.service(s.service) == nullptr) {
      std::vector<std::string_view> names;
      for (const auto& sv : catalog_.services())
        names.push_back(sv.name);
      d_.error(s.service_at.line ? s.service_at : s.kind_at,
               "unknown service '" + s.service + "'" + did_you_mean(s.service, names));
    } else if ((spec = catalog_.find(s.service, s.action, s.version)) == nullptr) {
      if (catalog_.find(s.service, s.action) != nullptr) {
        d_.error(s.version_at.line ? s.version_at : s.kind_at,
                 s.service + " " + s.action + " has no version '" + s.version + "'");
      } else {
        std::vector<std::string_view> names;
        for (const auto& a : catalog_.actions()) {
          if (a.service == s.service) names.push_back(a.action);
        }
        d_.error(s.action_at.line ? s.action_at : s.kind_at, "unknown action '" + s.action +
                                                                 "' for service " + s.service +
                                                                 did_you_mean(s.action, names));
      }
    }

    // Terminations need an explicit yes.
    const bool terminating = s.kind == StepKind::kTerminate ||
                             (s.kind == StepKind::kCall && s.action.rfind("Terminate", 0) == 0);
    if (terminating && !s.allow_terminate) {
      d_.error(s.allow_terminate_at.line ? s.allow_terminate_at : s.kind_at,
               what + " terminates resources: it needs allow_terminate = true");
    }

    if (s.params_node) {
      if (auto* n = s.params_node->get("ClientToken");
          n && kind_fills_client_token(s.kind) &&
          (s.kind != StepKind::kCall || (spec && spec->client_token))) {
        d_.error(plan_.locate_param(s, "ClientToken"),
                 "do not write ClientToken by hand: tcplan derives one per run and step so "
                 "retries and resumes are idempotent");
      }
    }

    if (s.kind == StepKind::kWait) wait_step(s, index, parent);
    for_each(s);
    if (s.select) selection(s, index);

    // References everywhere a string may hold one.
    const bool fan = s.for_each.has_value();
    refs_in(
        s.params, s, index, parent, fan,
        [&](const std::string& path) { return plan_.locate_param(s, path); }, "");
    for (auto [text, at] : {std::pair{&s.cluster, s.cluster_at}, std::pair{&s.flow, s.flow_at},
                            std::pair{&s.trace, s.trace_at}}) {
      if (!text->empty())
        refs_in(
            json::value(*text), s, index, parent, fan, [at = at](const std::string&) { return at; },
            "");
    }
    if (s.for_each && s.for_each->is_string()) {
      refs_in(
          *s.for_each, s, index, parent, false, [&](const std::string&) { return s.for_each_at; },
          "");
    }
    if (s.price) {
      refs_in(
          s.price->params, s, index, parent, fan,
          [&](const std::string& path) {
            return plan_.locate_in(s.price->params_node, path, s.price->at);
          },
          "");
    }

    if (spec) params(s, *spec, index);
    if (s.price) price(s);
  }

  void wait_step(const Step& s, int index, const Step* parent) {
    const int given = !s.flow.empty() + !s.trace.empty() + !s.until.empty();
    if (given != 1) {
      d_.error(s.kind_at, "wait step '" + s.id + "' needs exactly one of flow, trace or until");
    }
    if (s.cluster.empty()) {
      d_.error(s.kind_at, "wait step '" + s.id + "' needs 'cluster' (the cluster it waits on)");
    } else if (auto v = substitute(json::value(s.cluster), s, index, parent);
               v.is_string() && !is_unknown(v)) {
      static const std::regex re("emr-[a-z0-9]{8}");
      if (!std::regex_match(std::string(v.as_string()), re)) {
        d_.error(s.cluster_at, "'" + std::string(v.as_string()) +
                                   "' is not an EMR cluster id (emr- and 8 lowercase "
                                   "letters or digits, e.g. emr-4slr7ad7)");
      }
    }
    if (!s.until.empty() && s.until != "running" && s.until != "terminated") {
      d_.error(s.until_at, "until must be \"running\" or \"terminated\", not \"" + s.until + "\"" +
                               did_you_mean(s.until, {"running", "terminated"}));
    }
  }

  void for_each(const Step& s) {
    if (!s.for_each) return;
    const json::value& f = *s.for_each;
    if (f.is_array()) {
      if (f.as_array().empty()) d_.error(s.for_each_at, "for_each list is empty");
      return;
    }
    auto t = parse_template(f.as_string());
    if (!t.ok()) return;  // reported with the other references
    const Reference* r = t->whole();
    if (r == nullptr || (r->kind != Reference::Kind::kVar && r->kind != Reference::Kind::kStep) ||
        r->index) {
      d_.error(s.for_each_at,
               "for_each must be a list or exactly one reference to a list (\"${vars.NAME}\")");
      return;
    }
    if (r->kind == Reference::Kind::kVar) {
      auto it = plan_.vars.find(r->name);
      if (it != plan_.vars.end() && !it->value().is_array()) {
        d_.error(s.for_each_at, "for_each: var '" + r->name + "' is not a list");
      } else if (it != plan_.vars.end() && it->value().as_array().empty()) {
        d_.error(s.for_each_at, "for_each: var '" + r->name + "' is an empty list");
      }
    }
  }

  void selection(const Step& s, int index) {
    const Selection& sel = *s.select;
    if (!sel.added_by.empty()) {
      const int j = plan_.index_of(sel.added_by);
      if (j < 0) {
        d_.error(sel.added_by_at, "select.added_by names unknown step '" + sel.added_by + "'");
      } else if (plan_.steps[j].kind != StepKind::kScaleOut &&
                 plan_.steps[j].kind != StepKind::kCreate) {
        d_.error(sel.added_by_at, "select.added_by must name a scale_out (or create) step; '" +
                                      sel.added_by + "' is a " + to_string(plan_.steps[j].kind) +
                                      " step");
      } else if (!(s.is_undo && j == index) && !is_ancestor(j, index) && acyclic_) {
        d_.error(sel.added_by_at,
                 "select.added_by: step '" + sel.added_by + "' does not run before '" + s.id + "'");
      }
    }
    if (s.params.contains("ResourceIds") || s.params.contains("CvmInstanceIds")) {
      d_.error(sel.at,
               "give either [steps.select] or literal ResourceIds/CvmInstanceIds, not both");
    }
    if (s.action == "TerminateTasks" && sel.node_flag != "task" && !sel.node_flag.empty()) {
      d_.error(sel.node_flag_at,
               "TerminateTasks removes task nodes only; use action = \"TerminateClusterNodes\" "
               "for " +
                   sel.node_flag + " nodes");
    }
  }

  // --- references ----------------------------------------------------------------------------
  using Locator = std::function<Location(const std::string&)>;

  // Adjusts a value's location to the reference inside it when the raw text shows it there.
  Location ref_location(Location value_at, const Reference& r) {
    if (value_at.line == 0) return value_at;
    if (line_starts_.empty()) {
      // Built on first use: one pass over the text instead of one per reference.
      line_starts_.push_back(0);
      for (std::size_t i = 0; i < plan_.text.size(); ++i) {
        if (plan_.text[i] == '\n') line_starts_.push_back(i + 1);
      }
    }
    if (value_at.line > line_starts_.size()) return value_at;
    const std::size_t start = line_starts_[value_at.line - 1];
    const std::size_t end = plan_.text.find('\n', start);
    const std::string_view line =
        std::string_view(plan_.text).substr(start, end == std::string::npos ? end : end - start);
    const std::size_t from = value_at.column > 0 ? value_at.column - 1 : 0;
    const std::size_t pos = line.find(r.text, from);
    if (pos == std::string_view::npos) return value_at;
    return Location{value_at.line, static_cast<std::uint32_t>(pos + 1)};
  }

  void refs_in(const json::value& v, const Step& s, int index, const Step* parent, bool fan,
               const Locator& locate, const std::string& path) {
    switch (v.kind()) {
      case json::kind::string: {
        const std::string_view text = v.as_string();
        if (!maybe_template(text)) return;
        auto t = parse_template(text);
        const Location at = locate(path);
        if (!t.ok()) {
          Location where = at;
          if (at.line) {
            Reference probe;
            probe.text = std::string(text.substr(t.error().offset, 2));
            where = ref_location(at, probe);
          }
          d_.error(where, t.error().message);
          return;
        }
        for (const Reference* r : t->references())
          check_ref(*r, s, index, parent, fan, ref_location(at, *r));
        return;
      }
      case json::kind::array: {
        const auto& a = v.as_array();
        for (std::size_t i = 0; i < a.size(); ++i) {
          refs_in(a[i], s, index, parent, fan, locate, path + "[" + std::to_string(i) + "]");
        }
        return;
      }
      case json::kind::object:
        for (const auto& kv : v.as_object()) {
          refs_in(kv.value(), s, index, parent, fan, locate,
                  path.empty() ? std::string(kv.key()) : path + "." + std::string(kv.key()));
        }
        return;
      default:
        return;
    }
  }

  void check_ref(const Reference& r, const Step& s, int index, const Step* parent, bool fan,
                 Location at) {
    switch (r.kind) {
      case Reference::Kind::kRun:
        return;
      case Reference::Kind::kItem:
        if (!fan) d_.error(at, r.text + " is only defined in a step with for_each");
        return;
      case Reference::Kind::kEnv:
        if (!env_defined_(r.name)) {
          d_.error(at, "environment variable " + r.name + " is not set (" + r.text + ")");
        }
        return;
      case Reference::Kind::kVar: {
        auto it = plan_.vars.find(r.name);
        if (it == plan_.vars.end()) {
          std::vector<std::string_view> names;
          for (const auto& kv : plan_.vars)
            names.push_back(kv.key());
          d_.error(at, "unknown var '" + r.name + "' in " + r.text + did_you_mean(r.name, names));
        } else if (r.index) {
          if (!it->value().is_array()) {
            d_.error(at, "var '" + r.name + "' is not a list, so " + r.text + " has no element");
          } else if (*r.index >= it->value().as_array().size()) {
            d_.error(at, r.text + " is out of range: var '" + r.name + "' has " +
                             std::to_string(it->value().as_array().size()) + " elements");
          }
        }
        return;
      }
      case Reference::Kind::kStep: {
        const int j = plan_.index_of(r.name);
        if (j < 0) {
          std::vector<std::string_view> names;
          for (const Step& x : plan_.steps)
            names.push_back(x.id);
          d_.error(at, "unknown step '" + r.name + "' in " + r.text + did_you_mean(r.name, names));
          return;
        }
        const bool own_parent = parent && parent->id == r.name;
        if (!own_parent) {
          if (j >= index || (!parent && j == index)) {
            d_.error(at, r.text + " refers to a later step: '" + r.name + "' has not run when '" +
                             s.id + "' starts");
            return;
          }
          if (acyclic_ && !is_ancestor(j, index)) {
            d_.error(at, r.text + ": step '" + s.id + "' does not run after '" + r.name +
                             "' (add it to 'after')");
            return;
          }
        }
        const Step& src = plan_.steps[j];
        const api::ActionSpec* spec = catalog_.find(src.service, src.action, src.version);
        if (spec && spec->output(r.field) == nullptr) {
          std::vector<std::string_view> names;
          for (const auto& o : spec->outputs)
            names.push_back(o.name);
          std::string list;
          for (auto n : names)
            list += (list.empty() ? "" : ", ") + std::string(n);
          d_.error(at, src.action + " does not return '" + r.field + "'" +
                           did_you_mean(r.field, names) +
                           (list.empty() ? std::string() : "; it returns " + list));
        }
        return;
      }
    }
  }

  // --- substitution for typed checks -----------------------------------------------------------
  json::value first_item(const Step& s) {
    if (!s.for_each) return json::value(kUnknown);
    if (s.for_each->is_array() && !s.for_each->as_array().empty()) {
      return s.for_each->as_array()[0];
    }
    if (s.for_each->is_string()) {
      if (auto t = parse_template(s.for_each->as_string());
          t.ok() && t->whole() && t->whole()->kind == Reference::Kind::kVar) {
        auto it = plan_.vars.find(t->whole()->name);
        if (it != plan_.vars.end() && it->value().is_array() && !it->value().as_array().empty()) {
          return it->value().as_array()[0];
        }
      }
    }
    return json::value(kUnknown);
  }

  json::value ref_value(const Reference& r, const Step& s) {
    switch (r.kind) {
      case Reference::Kind::kVar: {
        auto it = plan_.vars.find(r.name);
        if (it == plan_.vars.end()) return json::value(kUnknown);
        if (!r.index) return it->value();
        if (!it->value().is_array() || *r.index >= it->value().as_array().size()) {
          return json::value(kUnknown);
        }
        return it->value().as_array()[*r.index];
      }
      case Reference::Kind::kItem: {
        json::value item = first_item(s);
        if (r.index) {
          if (item.is_array() && *r.index < item.as_array().size())
            return item.as_array()[*r.index];
          return json::value(kUnknown);
        }
        return item;
      }
      case Reference::Kind::kStep: {
        const Step* src = plan_.step(r.name);
        if (!src) return json::value(kUnknown);
        const api::ActionSpec* spec = catalog_.find(src->service, src->action, src->version);
        const api::FieldSpec* f = spec ? spec->output(r.field) : nullptr;
        if (!f) return json::value(kUnknown);
        json::value v = placeholder_for(f->type, catalog_);
        if (r.index) {
          return v.is_array() && !v.as_array().empty() ? v.as_array()[0] : json::value(kUnknown);
        }
        if (src->for_each) {
          json::array a;
          a.push_back(v);
          return a;
        }
        return v;
      }
      case Reference::Kind::kEnv:
      case Reference::Kind::kRun:
        return json::value(kUnknown);
    }
    return json::value(kUnknown);
  }

  json::value substitute(const json::value& v, const Step& s, int index, const Step* parent) {
    switch (v.kind()) {
      case json::kind::string: {
        if (!maybe_template(v.as_string())) return v;
        auto t = parse_template(v.as_string());
        if (!t.ok()) return json::value(kUnknown);
        if (const Reference* r = t->whole()) return ref_value(*r, s);
        std::string out;
        bool unknown = false;
        for (const auto& p : t->parts) {
          if (const auto* lit = std::get_if<std::string>(&p)) {
            out += *lit;
          } else {
            json::value x = ref_value(std::get<Reference>(p), s);
            if (is_unknown(x)) unknown = true;
            out += scalar_text(x);
          }
        }
        return unknown ? json::value(kUnknown) : json::value(out);
      }
      case json::kind::array: {
        json::array a;
        for (const auto& x : v.as_array())
          a.push_back(substitute(x, s, index, parent));
        return a;
      }
      case json::kind::object: {
        json::object o;
        for (const auto& kv : v.as_object())
          o[kv.key()] = substitute(kv.value(), s, index, parent);
        return o;
      }
      default:
        return v;
    }
  }

  // --- API parameters ------------------------------------------------------------------------
  void params(const Step& s, const api::ActionSpec& spec, int index) {
    if (s.kind == StepKind::kWait) return;  // the executor builds the request
    json::object p = substitute(json::value(s.params), s, index, nullptr).as_object();
    // Values tcplan fills at run time count as present.
    if (spec.client_token && kind_fills_client_token(s.kind)) p.erase("ClientToken");
    if (s.select) {
      if (s.action == "TerminateClusterNodes") {
        p["CvmInstanceIds"] = json::array{json::value(kUnknown)};
        std::string flag = s.select->node_flag;
        std::transform(flag.begin(), flag.end(), flag.begin(), ::toupper);
        if (!p.contains("NodeFlag")) p["NodeFlag"] = flag;
      } else {
        p["ResourceIds"] = json::array{json::value(kUnknown)};
      }
    }
    api::ValidateOptions vo;
    vo.accept_numeric_strings = false;
    std::set<std::string> reported;
    for (const auto& problem : api::validate_params(catalog_, spec, p, vo)) {
      reported.insert(problem.path);
      const Location at =
          problem.kind == api::ParamProblem::Kind::kUnknown
              ? plan_.locate_key(s.params_node, problem.path, s.params_at.line ? s.params_at : s.at)
              : plan_.locate_param(s, problem.path);
      std::string msg;
      switch (problem.kind) {
        case api::ParamProblem::Kind::kMissing:
          msg =
              "missing required parameter '" + problem.path + "' in params of step '" + s.id + "'";
          break;
        case api::ParamProblem::Kind::kUnknown: {
          msg =
              "unknown key '" + last_component(problem.path) + "' in params of step '" + s.id + "'";
          // Suggest from the fields of the containing object.
          std::vector<std::string_view> names;
          const std::string parent_path = problem.path.find('.') == std::string::npos
                                              ? std::string()
                                              : problem.path.substr(0, problem.path.rfind('.'));
          const std::vector<api::FieldSpec>* fields = &spec.params;
          if (!parent_path.empty()) fields = fields_at(spec, parent_path);
          if (fields) {
            for (const auto& f : *fields)
              names.push_back(f.name);
          }
          msg += did_you_mean(last_component(problem.path), names);
          break;
        }
        case api::ParamProblem::Kind::kWrongType:
        case api::ParamProblem::Kind::kNotAllowed:
          msg = "'" + problem.path + "' in params of step '" + s.id + "': " + problem.message;
          break;
      }
      d_.error(at, msg);
    }
    id_formats(s, p, "", reported);
    enums(s, p, "", reported);
    billing(s, p, reported);
    guardrails(s, p);
  }

  const std::vector<api::FieldSpec>* fields_at(const api::ActionSpec& spec,
                                               const std::string& path) {
    const std::vector<api::FieldSpec>* fields = &spec.params;
    std::size_t start = 0;
    while (start <= path.size()) {
      std::size_t dot = path.find('.', start);
      std::string comp =
          path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (auto b = comp.find('['); b != std::string::npos) comp = comp.substr(0, b);
      const api::FieldSpec* f = nullptr;
      for (const auto& x : *fields) {
        if (x.name == comp) f = &x;
      }
      if (!f) return nullptr;
      std::string_view type = f->type;
      while (!api::array_element(type).empty())
        type = api::array_element(type);
      const api::StructSpec* st = catalog_.struct_type(type);
      if (!st) return nullptr;
      fields = &st->fields;
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    return fields;
  }

  void id_formats(const Step& s, const json::value& v, const std::string& path,
                  const std::set<std::string>& reported) {
    if (v.is_object()) {
      for (const auto& kv : v.as_object()) {
        id_formats(s, kv.value(),
                   path.empty() ? std::string(kv.key()) : path + "." + std::string(kv.key()),
                   reported);
      }
      return;
    }
    if (v.is_array()) {
      const auto& a = v.as_array();
      for (std::size_t i = 0; i < a.size(); ++i) {
        id_formats(s, a[i], path + "[" + std::to_string(i) + "]", reported);
      }
      return;
    }
    if (!v.is_string() || is_unknown(v) || reported.count(path)) return;
    const std::string field = last_component(path);
    for (const IdRule& rule : kIdRules) {
      if (s.service != rule.service || field != rule.field) continue;
      if (!std::regex_match(std::string(v.as_string()), id_regex(rule))) {
        d_.error(plan_.locate_param(s, path), "'" + std::string(v.as_string()) +
                                                  "' is not a valid " + field + " (expected " +
                                                  rule.pattern + ", e.g. " + rule.example + ")");
      }
    }
  }

  void enums(const Step& s, const json::value& v, const std::string& path,
             const std::set<std::string>& reported) {
    if (v.is_object()) {
      for (const auto& kv : v.as_object()) {
        enums(s, kv.value(),
              path.empty() ? std::string(kv.key()) : path + "." + std::string(kv.key()), reported);
      }
      return;
    }
    if (v.is_array()) {
      const auto& a = v.as_array();
      for (std::size_t i = 0; i < a.size(); ++i)
        enums(s, a[i], path + "[" + std::to_string(i) + "]", reported);
      return;
    }
    if (is_unknown(v) || reported.count(path) || !(v.is_string() || v.is_int64())) return;
    const std::string field = last_component(path);
    for (const EnumRule& rule : enum_rules()) {
      if (field != rule.field) continue;
      const std::string text = scalar_text(v);
      if (std::find(rule.values.begin(), rule.values.end(), text) != rule.values.end()) continue;
      std::vector<std::string_view> names(rule.values.begin(), rule.values.end());
      std::string list;
      for (const auto& x : rule.values)
        list += (list.empty() ? "" : ", ") + x;
      d_.error(plan_.locate_param(s, path), "invalid " + field + " '" + text + "'" +
                                                did_you_mean(text, names) + "; expected one of " +
                                                list);
    }
  }

  // PayMode / TimeUnit / TimeSpan go together: 0 + "s" + 3600, or 1 + "m" + months.
  void billing(const Step& s, const json::object& p, const std::set<std::string>& reported) {
    const json::value* pay = p.if_contains("PayMode");
    const json::value* unit = p.if_contains("TimeUnit");
    const json::value* span = p.if_contains("TimeSpan");
    if (!pay || !pay->is_int64() || reported.count("PayMode")) return;
    const std::int64_t mode = pay->as_int64();
    if (unit && unit->is_string() && !is_unknown(*unit) && !reported.count("TimeUnit")) {
      const std::string u(unit->as_string());
      if ((mode == 0 && u != "s") || (mode == 1 && u != "m")) {
        d_.error(plan_.locate_param(s, "TimeUnit"),
                 "TimeUnit \"" + u + "\" does not go with PayMode " + std::to_string(mode) +
                     (mode == 0 ? " (pay-as-you-go takes TimeUnit \"s\" and TimeSpan 3600)"
                                : " (monthly takes TimeUnit \"m\" and TimeSpan in months)"));
        return;
      }
    }
    if (span && span->is_int64() && !reported.count("TimeSpan")) {
      const std::int64_t n = span->as_int64();
      if (mode == 0 && n != 3600) {
        d_.error(plan_.locate_param(s, "TimeSpan"),
                 "TimeSpan must be 3600 with PayMode 0 (pay-as-you-go), not " + std::to_string(n));
      }
      static const std::set<std::int64_t> kMonths = {1, 2,  3,  4,  5,  6,  7,  8,
                                                     9, 10, 11, 12, 24, 36, 48, 60};
      if (mode == 1 && !kMonths.count(n)) {
        d_.error(plan_.locate_param(s, "TimeSpan"),
                 "TimeSpan " + std::to_string(n) +
                     " is not a valid number of months for PayMode 1 (1-12, 24, 36, 48, 60)");
      }
    }
  }

  static std::optional<std::int64_t> int_at(const json::object& p, std::string_view key) {
    const json::value* v = p.if_contains(key);
    if (v && v->is_int64()) return v->as_int64();
    return std::nullopt;
  }

 public:
  // Nodes a scale_out step adds, by flag, when the params say (for guardrails and added_by).
  static std::int64_t scale_out_nodes(const json::object& p, std::string_view flag) {
    std::int64_t n = 0;
    for (auto [key, f] : {std::pair{"TaskCount", "task"}, std::pair{"CoreCount", "core"},
                          std::pair{"RouterCount", "router"}, std::pair{"MasterCount", "master"}}) {
      if (flag.empty() || flag == f) n += int_at(p, key).value_or(0);
    }
    if (const json::value* cfg = p.if_contains("ScaleOutNodeConfig"); cfg && cfg->is_object()) {
      std::string nf;
      if (const auto* x = cfg->as_object().if_contains("NodeFlag"); x && x->is_string())
        nf = x->as_string();
      std::transform(nf.begin(), nf.end(), nf.begin(), ::tolower);
      if (flag.empty() || flag == nf) n += int_at(cfg->as_object(), "NodeCount").value_or(0);
    }
    return n;
  }

 private:
  void guardrails(const Step& s, const json::object& p) {
    const Guardrails& g = plan_.guardrails;
    if (s.kind == StepKind::kScaleOut && g.max_scale_out_nodes) {
      const std::int64_t n = scale_out_nodes(p, "");
      if (n > *g.max_scale_out_nodes) {
        d_.error(s.params_at.line ? s.params_at : s.at,
                 "step '" + s.id + "' adds " + std::to_string(n) +
                     " nodes, more than guardrails.max_scale_out_nodes = " +
                     std::to_string(*g.max_scale_out_nodes));
      }
    }
    if (s.kind == StepKind::kScaleIn && g.max_scale_in_nodes) {
      std::int64_t n = 0;
      Location at = s.params_at.line ? s.params_at : s.at;
      if (s.select) {
        at = s.select->at;
        if (s.select->newest > 0) {
          n = s.select->newest;
          at = s.select->newest_at;
        } else if (const Step* src = plan_.step(s.select->added_by)) {
          json::object sp =
              substitute(json::value(src->params), *src, plan_.index_of(src->id), nullptr)
                  .as_object();
          n = scale_out_nodes(sp, s.select->node_flag);
          at = s.select->added_by_at;
        }
      } else {
        for (const char* key : {"ResourceIds", "CvmInstanceIds"}) {
          if (const auto* v = p.if_contains(key); v && v->is_array()) {
            n += static_cast<std::int64_t>(v->as_array().size());
            at = plan_.locate_param(s, key);
          }
        }
      }
      if (n > *g.max_scale_in_nodes) {
        d_.error(at, "step '" + s.id + "' removes " + std::to_string(n) +
                         " nodes, more than guardrails.max_scale_in_nodes = " +
                         std::to_string(*g.max_scale_in_nodes));
      }
    }
  }

  void price(const Step& s) {
    const PriceInquiry& pr = *s.price;
    if (pr.action.empty()) return;
    const std::string service = pr.service.empty() ? s.service : pr.service;
    if (pr.action.rfind("InquiryPrice", 0) != 0) {
      d_.error(pr.action_at,
               "[steps.price] action must be an InquiryPrice* action, not '" + pr.action + "'");
      return;
    }
    const api::ActionSpec* spec = catalog_.find(service, pr.action, pr.version);
    if (!spec) {
      std::vector<std::string_view> names;
      for (const auto& a : catalog_.actions()) {
        if (a.service == service && a.action.rfind("InquiryPrice", 0) == 0)
          names.push_back(a.action);
      }
      d_.error(pr.action_at, "unknown price action '" + pr.action + "' for service " + service +
                                 did_you_mean(pr.action, names));
      return;
    }
    json::object p =
        substitute(json::value(pr.params), s, plan_.index_of(s.id), nullptr).as_object();
    api::ValidateOptions vo;
    vo.accept_numeric_strings = false;
    for (const auto& problem : api::validate_params(catalog_, *spec, p, vo)) {
      d_.error(problem.kind == api::ParamProblem::Kind::kUnknown
                   ? plan_.locate_key(pr.params_node, problem.path, pr.at)
                   : plan_.locate_in(pr.params_node, problem.path, pr.at),
               "'" + problem.path + "' in [steps.price] params of step '" + s.id +
                   "': " + problem.message);
    }
  }

  // --- flows left running ----------------------------------------------------------------------
  // A change to a cluster whose previous change (a flow) was not waited for is likely to fail
  // with ResourceInUse; warn so the author adds a wait step.
  void cluster_waits() {
    std::map<std::string, const Step*> pending;  // cluster -> step whose flow may still run
    for (std::size_t i = 0; i < plan_.steps.size(); ++i) {
      const Step& s = plan_.steps[i];
      if (s.kind == StepKind::kWait) {
        pending.erase(cluster_key(s, json::value(s.cluster)));
        continue;
      }
      const json::value* inst = s.params.if_contains("InstanceId");
      if (s.service != "emr" || !inst) continue;
      const api::ActionSpec* spec = catalog_.find(s.service, s.action, s.version);
      const bool mutating = spec ? spec->mutating : s.kind != StepKind::kCall;
      if (!mutating) continue;
      const std::string key = cluster_key(s, *inst);
      if (auto it = pending.find(key); it != pending.end()) {
        const Step& prev = *it->second;
        const api::ActionSpec* prev_spec = catalog_.find(prev.service, prev.action, prev.version);
        const bool has_flow =
            prev_spec && std::find(prev_spec->tracks.begin(), prev_spec->tracks.end(), "FlowId") !=
                             prev_spec->tracks.end();
        d_.warning(
            s.kind_at.line ? s.kind_at : s.at,
            "step '" + s.id + "' changes cluster " + key + " while the flow of step '" + prev.id +
                "' may still be running; add a wait step on it first (kind = " + "\"wait\", " +
                (has_flow ? "flow = \"${steps." + prev.id + ".FlowId}\")"
                          : std::string("until = \"running\")")));
      }
      // Only changes that start a flow leave the cluster busy (restarts are waited on by the
      // executor itself: the cluster back to running).
      const bool starts_flow =
          s.kind == StepKind::kCreate ||
          (spec && !spec->tracks.empty() && spec->mutating && s.kind != StepKind::kRestart);
      if (starts_flow) {
        pending[key] = &s;
      } else {
        pending.erase(key);
      }
    }
  }

  std::string cluster_key(const Step& s, const json::value& v) {
    json::value x = substitute(v, s, plan_.index_of(s.id), nullptr);
    if (x.is_string() && !is_unknown(x)) return std::string(x.as_string());
    return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
  }

  const Plan& plan_;
  Diagnostics& d_;
  const api::Catalog& catalog_;
  std::function<bool(std::string_view)> env_defined_;
  std::vector<std::vector<int>> edges_;
  std::vector<std::vector<std::uint64_t>> ancestors_;
  bool acyclic_ = false;
  std::vector<std::size_t> line_starts_;
};

}  // namespace

void validate_plan(const Plan& plan, Diagnostics& diags, const ValidateOptions& options) {
  Validator(plan, diags, options).run();
}

std::optional<Plan> check_plan_file(const std::string& path, Diagnostics& diags,
                                    const ValidateOptions& options) {
  auto plan = load_plan(path, diags);
  if (plan) validate_plan(*plan, diags, options);
  return plan;
}

}  // namespace tcplan::planner
