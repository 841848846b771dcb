// Reference resolution.
#include "planner/resolve.h"

#include <boost/json/serialize.hpp>
#include <cstdlib>

#include "base/redact.h"
#include "planner/reference.h"

namespace tcplan::planner {

namespace json = boost::json;

namespace {

std::string as_text(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  return json::serialize(v);
}

base::Result<json::value> index_into(const json::value& v, const Reference& r) {
  if (!r.index) return v;
  if (!v.is_array()) return base::Error{r.text + ": the value is not a list"};
  const auto& a = v.as_array();
  if (*r.index >= a.size()) {
    return base::Error{r.text + ": index out of range (the list has " + std::to_string(a.size()) +
                       " elements)"};
  }
  return a[*r.index];
}

// nullopt + unknown=true when the output is not known yet and that is allowed.
base::Result<json::value> lookup(const Reference& r, const ResolveContext& ctx, bool* unknown,
                                 bool* from_env) {
  switch (r.kind) {
    case Reference::Kind::kRun:
      return json::value(ctx.run_id);
    case Reference::Kind::kItem:
      if (ctx.item == nullptr) return base::Error{r.text + " used outside a for_each step"};
      return index_into(*ctx.item, r);
    case Reference::Kind::kEnv: {
      std::optional<std::string> v;
      if (ctx.env) {
        v = ctx.env(r.name);
      } else if (const char* e = std::getenv(r.name.c_str())) {
        v = e;
        // Registered before the value can reach any request built from it (preview reads,
        // price inquiries, the executor's calls), so every writer redacts it.
        base::process_redactor().add_secret(*v);
      }
      if (!v) return base::Error{"environment variable " + r.name + " is not set (" + r.text + ")"};
      *from_env = true;
      return json::value(*v);
    }
    case Reference::Kind::kVar: {
      if (ctx.plan == nullptr) return base::Error{r.text + ": no plan"};
      const json::value* v = ctx.plan->vars.if_contains(r.name);
      if (v == nullptr) return base::Error{r.text + ": unknown var '" + r.name + "'"};
      return index_into(*v, r);
    }
    case Reference::Kind::kStep: {
      auto it = ctx.outputs.find(r.name);
      const json::value* field = nullptr;
      json::value gathered;
      if (it != ctx.outputs.end()) {
        if (it->second.is_object()) {
          field = it->second.as_object().if_contains(r.field);
        } else if (it->second.is_array()) {
          // A for_each step: the field of every item, in item order.
          json::array all;
          bool complete = true;
          for (const auto& one : it->second.as_array()) {
            const json::value* f = one.is_object() ? one.as_object().if_contains(r.field) : nullptr;
            if (f == nullptr) {
              complete = false;
              break;
            }
            all.push_back(*f);
          }
          if (complete) {
            gathered = std::move(all);
            field = &gathered;
          }
        }
      }
      if (field == nullptr) {
        if (ctx.allow_unknown_outputs) {
          *unknown = true;
          return json::value(kKnownAfterApply);
        }
        return base::Error{r.text + ": step '" + r.name + "' has no output '" + r.field + "'" +
                           (it == ctx.outputs.end() ? " (it has not finished)" : "")};
      }
      return index_into(*field, r);
    }
  }
  return base::Error{r.text + ": unsupported reference"};
}

}  // namespace

base::Result<json::value> resolve_value(const json::value& v, const ResolveContext& ctx,
                                        const std::string& path, ResolvedParams* track) {
  switch (v.kind()) {
    case json::kind::string: {
      if (!maybe_template(v.as_string())) return v;
      auto t = parse_template(v.as_string());
      if (!t.ok()) return base::Error{(path.empty() ? "" : path + ": ") + t.error().message};
      bool unknown = false, from_env = false;
      json::value out;
      if (const Reference* r = t->whole()) {
        auto x = lookup(*r, ctx, &unknown, &from_env);
        if (!x.ok()) return base::Error{(path.empty() ? "" : path + ": ") + x.error().message};
        out = std::move(x.value());
      } else {
        std::string text;
        for (const auto& part : t->parts) {
          if (const auto* lit = std::get_if<std::string>(&part)) {
            text += *lit;
            continue;
          }
          auto x = lookup(std::get<Reference>(part), ctx, &unknown, &from_env);
          if (!x.ok()) return base::Error{(path.empty() ? "" : path + ": ") + x.error().message};
          text += as_text(*x);
        }
        out = json::value(text);
      }
      if (track && from_env) track->from_env.insert(path);
      if (track && unknown) track->unknown.insert(path);
      return out;
    }
    case json::kind::array: {
      json::array out;
      const auto& a = v.as_array();
      for (std::size_t i = 0; i < a.size(); ++i) {
        auto x = resolve_value(a[i], ctx, path + "[" + std::to_string(i) + "]", track);
        if (!x.ok()) return x;
        out.push_back(std::move(x.value()));
      }
      return json::value(std::move(out));
    }
    case json::kind::object: {
      json::object out;
      for (const auto& kv : v.as_object()) {
        const std::string sub =
            path.empty() ? std::string(kv.key()) : path + "." + std::string(kv.key());
        auto x = resolve_value(kv.value(), ctx, sub, track);
        if (!x.ok()) return x;
        out[kv.key()] = std::move(x.value());
      }
      return json::value(std::move(out));
    }
    default:
      return v;
  }
}

base::Result<ResolvedParams> resolve_params(const Step& step, const ResolveContext& ctx) {
  ResolvedParams out;
  auto v = resolve_value(json::value(step.params), ctx, {}, &out);
  if (!v.ok()) return base::Error{"step '" + step.id + "': " + v.error().message};
  out.params = std::move(v->as_object());
  return out;
}

base::Result<json::array> resolve_for_each(const Step& step, const ResolveContext& ctx) {
  if (!step.for_each) return base::Error{"step '" + step.id + "' has no for_each"};
  auto items = resolve_for_each_source(*step.for_each, step.id, ctx);
  if (!items.ok()) return base::Error{"step '" + step.id + "': " + items.error().message};
  return items;
}

base::Result<json::array> resolve_for_each_source(const json::value& for_each,
                                                  std::string_view owner,
                                                  const ResolveContext& ctx) {
  if (for_each.is_object()) {
    // A query: the dry run chose its clusters; nothing else may choose them again.
    if (ctx.fleets != nullptr) {
      if (auto it = ctx.fleets->find(owner); it != ctx.fleets->end()) return it->second;
    }
    return base::Error{"the clusters of '" + std::string(owner) +
                       "''s for_each query are chosen by the dry run (tcplan plan / apply)"};
  }
  auto v = resolve_value(for_each, ctx, "for_each");
  if (!v.ok()) return v.error();
  if (!v->is_array()) return base::Error{"for_each is not a list"};
  return std::move(v->as_array());
}

namespace {

void collect_steps(const json::value& v, std::set<std::string>& out) {
  switch (v.kind()) {
    case json::kind::string: {
      if (!maybe_template(v.as_string())) return;
      auto t = parse_template(v.as_string());
      if (!t.ok()) return;
      for (const Reference* r : t->references()) {
        if (r->kind == Reference::Kind::kStep) out.insert(r->name);
      }
      return;
    }
    case json::kind::array:
      for (const auto& x : v.as_array())
        collect_steps(x, out);
      return;
    case json::kind::object:
      for (const auto& kv : v.as_object())
        collect_steps(kv.value(), out);
      return;
    default:
      return;
  }
}

}  // namespace

std::set<std::string> referenced_steps(const Step& step) {
  std::set<std::string> out;
  collect_steps(json::value(step.params), out);
  for (const std::string* text : {&step.cluster, &step.flow, &step.trace}) {
    if (!text->empty()) collect_steps(json::value(*text), out);
  }
  if (step.for_each) collect_steps(*step.for_each, out);
  if (step.price) collect_steps(json::value(step.price->params), out);
  return out;
}

}  // namespace tcplan::planner
