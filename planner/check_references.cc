// References inside a step's strings: each must name something that exists when the step
// runs. A problem points at the reference itself inside the value when the text shows it.
#include <functional>
#include <string>

#include "planner/plan_checks.h"
#include "planner/reference.h"

namespace tcplan::planner::checks {

namespace json = boost::json;

namespace {

using Locator = std::function<Location(const std::string& path)>;

// The value's location moved to the reference inside it, when the raw line shows it there.
Location reference_location(Context& c, Location value_at, const Reference& r) {
  if (value_at.line == 0) return value_at;
  const std::string& text = c.plan.text;
  if (c.line_starts.empty()) {
    // Built on first use: one pass over the text instead of one per reference.
    c.line_starts.push_back(0);
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') c.line_starts.push_back(i + 1);
    }
  }
  if (value_at.line > c.line_starts.size()) return value_at;
  const std::size_t start = c.line_starts[value_at.line - 1];
  const std::size_t end = text.find('\n', start);
  const std::string_view line =
      std::string_view(text).substr(start, end == std::string::npos ? end : end - start);
  const std::size_t from = value_at.column > 0 ? value_at.column - 1 : 0;
  const std::size_t pos = line.find(r.text, from);
  if (pos == std::string_view::npos) return value_at;
  return Location{value_at.line, static_cast<std::uint32_t>(pos + 1)};
}

struct ReferenceSite {
  const Step& step;
  int index;
  const Step* parent;  // the step an undo step belongs to
  bool fan;            // the step has for_each: ${item} is defined
};

void check_reference(Context& c, const Reference& r, const ReferenceSite& site, Location at) {
  const Step& s = site.step;
  switch (r.kind) {
    case Reference::Kind::kRun:
      return;
    case Reference::Kind::kItem:
      if (!site.fan)
        c.diags.error(at, r.text + " is only defined in a step with for_each or in a group");
      return;
    case Reference::Kind::kEnv:
      if (!c.env_defined(r.name)) {
        c.diags.error(at, "environment variable " + r.name + " is not set (" + r.text + ")");
      }
      return;
    case Reference::Kind::kVar: {
      auto it = c.plan.vars.find(r.name);
      if (it == c.plan.vars.end()) {
        std::vector<std::string_view> names;
        for (const auto& kv : c.plan.vars)
          names.push_back(kv.key());
        c.diags.error(at,
                      "unknown var '" + r.name + "' in " + r.text + did_you_mean(r.name, names));
      } else if (r.index) {
        if (!it->value().is_array()) {
          c.diags.error(at, "var '" + r.name + "' is not a list, so " + r.text + " has no element");
        } else if (*r.index >= it->value().as_array().size()) {
          c.diags.error(at, r.text + " is out of range: var '" + r.name + "' has " +
                                std::to_string(it->value().as_array().size()) + " elements");
        }
      }
      return;
    }
    case Reference::Kind::kStep: {
      const int j = c.plan.index_of(r.name);
      if (j < 0) {
        std::vector<std::string_view> names;
        for (const Step& x : c.plan.steps)
          names.push_back(x.id);
        c.diags.error(at,
                      "unknown step '" + r.name + "' in " + r.text + did_you_mean(r.name, names));
        return;
      }
      const bool own_parent = site.parent && site.parent->id == r.name;
      if (!own_parent) {
        if (j >= site.index || (!site.parent && j == site.index)) {
          c.diags.error(at, r.text + " refers to a later step: '" + r.name +
                                "' has not run when '" + s.id + "' starts");
          return;
        }
        if (c.graph.acyclic() && !c.graph.is_ancestor(j, site.index)) {
          c.diags.error(at, r.text + ": step '" + s.id + "' does not run after '" + r.name +
                                "' (add it to 'after')");
          return;
        }
      }
      const Step& src = c.plan.steps[j];
      if (src.group >= 0 && src.group != s.group) {
        c.diags.error(at, r.text + ": '" + r.name + "' is a step of group '" +
                              c.plan.groups[static_cast<std::size_t>(src.group)].id +
                              "', which runs once per item: only the group's own steps can "
                              "refer to it");
        return;
      }
      const api::ActionSpec* spec = c.catalog.find(src.service, src.action, src.version);
      if (spec && spec->output(r.field) == nullptr) {
        std::vector<std::string_view> names;
        for (const auto& o : spec->outputs)
          names.push_back(o.name);
        std::string list;
        for (auto n : names)
          list += (list.empty() ? "" : ", ") + std::string(n);
        c.diags.error(at, src.action + " does not return '" + r.field + "'" +
                              did_you_mean(r.field, names) +
                              (list.empty() ? std::string() : "; it returns " + list));
      }
      return;
    }
  }
}

void check_references_in(Context& c, const json::value& v, const ReferenceSite& site,
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
          where = reference_location(c, at, probe);
        }
        c.diags.error(where, t.error().message);
        return;
      }
      for (const Reference* r : t->references())
        check_reference(c, *r, site, reference_location(c, at, *r));
      return;
    }
    case json::kind::array: {
      const auto& a = v.as_array();
      for (std::size_t i = 0; i < a.size(); ++i) {
        check_references_in(c, a[i], site, locate, path + "[" + std::to_string(i) + "]");
      }
      return;
    }
    case json::kind::object:
      for (const auto& kv : v.as_object()) {
        check_references_in(
            c, kv.value(), site, locate,
            path.empty() ? std::string(kv.key()) : path + "." + std::string(kv.key()));
      }
      return;
    default:
      return;
  }
}

}  // namespace

void check_references(Context& c, const Step& s, int index, const Step* parent) {
  // ${item} is defined in a for_each step, a group's step, and the undo steps of a group's
  // steps (they undo one item).
  const bool fan = s.for_each.has_value() || (s.is_undo && s.group >= 0);
  const ReferenceSite site{s, index, parent, fan};
  check_references_in(
      c, s.params, site, [&](const std::string& path) { return c.plan.locate_param(s, path); }, "");
  for (auto [text, at] : {std::pair{&s.cluster, s.cluster_at}, std::pair{&s.flow, s.flow_at},
                          std::pair{&s.trace, s.trace_at}}) {
    if (!text->empty())
      check_references_in(
          c, json::value(*text), site, [at = at](const std::string&) { return at; }, "");
  }
  // A group's list is checked once, with its first step.
  const bool own_list = s.group < 0 || c.plan.groups[static_cast<std::size_t>(s.group)].first ==
                                           static_cast<std::size_t>(index);
  if (s.for_each && s.for_each->is_string() && own_list && !s.is_undo) {
    // The list itself is resolved outside the fan-out: ${item} is not defined there.
    const ReferenceSite outside{s, index, parent, false};
    check_references_in(
        c, *s.for_each, outside, [&](const std::string&) { return s.for_each_at; }, "");
  }
  if (s.price) {
    check_references_in(
        c, s.price->params, site,
        [&](const std::string& path) {
          return c.plan.locate_in(s.price->params_node, path, s.price->at);
        },
        "");
  }
}

}  // namespace tcplan::planner::checks
