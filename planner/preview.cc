// The dry run: resolve every step (each for_each or group item on its own) with placeholders
// for the outputs of earlier steps, check and price what each touches (preview_checks.cc,
// preview_prices.cc), predict how long each step takes, and add up the window's cost
// (preview_totals.cc).
#include "planner/preview.h"

#include <boost/json/serialize.hpp>
#include <charconv>
#include <cmath>

#include "base/time.h"
#include "planner/preview_internal.h"
#include "planner/preview_totals.h"
#include "planner/reference.h"

namespace tcplan::planner {

namespace json = boost::json;

namespace preview_detail {

std::optional<double> number(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_double()) return v->as_double();
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  if (v->is_uint64()) return static_cast<double>(v->as_uint64());
  if (v->is_string()) {
    const std::string_view s = v->as_string();
    double d = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (ec == std::errc() && p == s.data() + s.size()) return d;
  }
  return std::nullopt;
}

std::string known_string(const json::object& p, std::string_view key,
                         const std::set<std::string>& unknown) {
  const json::value* v = p.if_contains(key);
  if (v == nullptr || !v->is_string() || unknown.count(std::string(key))) return {};
  return std::string(v->as_string());
}

namespace {

// How an item reads in a label: a cluster id as it is, anything else as short JSON.
std::string item_text(const json::value& v) {
  std::string text = v.is_string() ? std::string(v.as_string()) : json::serialize(v);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

// A for_each over an earlier step's outputs is known only after apply.
bool refers_to_steps(const json::value& for_each) {
  return for_each.is_string() &&
         std::string_view(for_each.as_string()).find("${steps.") != std::string_view::npos;
}

}  // namespace

Previewer::Previewer(const Plan& plan, CloudReader& reader, const PreviewOptions& options)
    : plan_(plan),
      reader_(reader),
      options_(options),
      catalog_(api::Catalog::builtin()),
      directory_(reader) {}

Preview Previewer::run() {
  Preview out;
  out.plan_name = plan_.name;
  out.plan_file = plan_.file;
  out.plan_sha256 = plan_.sha256;
  out.currency = plan_.budget ? plan_.budget->currency : "CNY";
  out.target = options_.target;
  out.time_scale = options_.time_scale > 0 ? options_.time_scale : 1.0;
  out.fetched_at =
      base::format_utc(options_.now ? options_.now() : std::chrono::system_clock::now());
  if (plan_.window) {
    out.window_hours =
        std::chrono::duration<double, std::ratio<3600>>(plan_.window->end - plan_.window->start)
            .count();
  }
  currency_ = out.currency;
  for (const Step& s : plan_.steps)
    out.steps.push_back(step(s, out));
  timing(out);
  out.pricing_failures = pricing_failures_;
  add_window_costs(plan_, out);
  add_totals(plan_, out);
  add_group_totals(plan_, out);
  out.fleets = fleets_;
  return out;
}

ResolveContext Previewer::context() const {
  ResolveContext ctx;
  ctx.plan = &plan_;
  ctx.run_id = options_.run_id;
  ctx.allow_unknown_outputs = true;
  ctx.fleets = &fleets_;
  // Env values are checked by validate; the preview never needs (or shows) them.
  ctx.env = [](std::string_view) { return std::optional<std::string>("[from env]"); };
  return ctx;
}

StepPreview Previewer::step(const Step& s, Preview& out) {
  StepPreview p;
  p.id = s.id;
  p.kind = to_string(s.kind);
  p.service = s.service;
  p.action = s.action;
  p.version = s.version;
  p.region = s.region;
  p.description = s.description;
  if (const Group* g = plan_.group_of(s)) p.group = g->id;
  if (!s.for_each) {
    ItemPreview one;
    item(s, nullptr, one, p);
    p.params = std::move(one.params);
    p.unknown = std::move(one.unknown);
    p.from_env = std::move(one.from_env);
    p.price = std::move(one.price);
    p.price_note = std::move(one.price_note);
    p.checks = std::move(one.checks);
    p.problems = std::move(one.problems);
    return p;
  }
  json::array items;
  if (!resolve_items(s, p, items, out)) return p;
  read_clusters_of(s, items);
  for (const auto& v : items) {
    ItemPreview ip;
    ip.item = v;
    ip.label = s.id + "[" + item_text(v) + "]";
    item(s, &v, ip, p);
    p.items.push_back(std::move(ip));
  }
  if (!p.items.empty()) {
    p.params = p.items.front().params;
    p.unknown = p.items.front().unknown;
    p.from_env = p.items.front().from_env;
  }
  sum_item_prices(p);
  return p;
}

// The list a for_each step runs over. A query is resolved here (once: later steps with the
// same query resolve it again, cheaply, from the directory) unless a saved plan pinned it.
bool Previewer::resolve_items(const Step& s, StepPreview& p, json::array& items, Preview&) {
  if (!s.for_each_query) {
    auto list = resolve_for_each(s, context());
    if (list.ok()) {
      items = std::move(*list);
      return true;
    }
    if (refers_to_steps(*s.for_each)) {
      items = json::array{json::value(kKnownAfterApply)};
      p.checks.push_back("the items are an earlier step's outputs (known after apply)");
      return true;
    }
    p.problems.push_back(list.error().message);
    return false;
  }
  const FleetQuery& q = *s.for_each_query;
  p.query = q;
  const std::string what = "for_each query (" + describe_query(q) + ")";
  auto fresh = resolve_fleet_query(q, s.region, directory_);
  if (options_.fleets != nullptr && options_.fleets->count(s.id)) {
    // The reviewed set, as the saved plan pinned it: apply acts on exactly these.
    items = options_.fleets->at(s.id);
    p.checks.push_back(what + ": the " + std::to_string(items.size()) +
                       " clusters the saved plan pinned");
    if (fresh.ok()) {
      std::set<std::string> pinned, now;
      for (const auto& v : items)
        if (v.is_string()) pinned.insert(std::string(v.as_string()));
      for (const auto& v : *fresh)
        if (v.is_string()) now.insert(std::string(v.as_string()));
      for (const auto& id : now)
        if (!pinned.count(id))
          p.checks.push_back(id + " matches now but was not reviewed: left out");
      for (const auto& id : pinned)
        if (!now.count(id)) p.checks.push_back(id + " no longer matches: kept, as reviewed");
    }
  } else if (!fresh.ok()) {
    p.problems.push_back("cannot resolve the " + what + ": " + fresh.error().to_string());
    return false;
  } else {
    items = std::move(*fresh);
    p.checks.push_back(what + " matched " + std::to_string(items.size()) + " cluster" +
                       (items.size() == 1 ? "" : "s") + " in " + s.region);
  }
  if (items.empty()) p.problems.push_back("the " + what + " matches no cluster in " + s.region);
  fleets_[s.id] = items;
  return true;
}

void Previewer::item(const Step& s, const json::value* value, ItemPreview& ip, StepPreview& p) {
  ResolveContext ctx = context();
  ctx.item = value;
  auto resolved = resolve_params(s, ctx);
  if (resolved.ok()) {
    ip.params = std::move(resolved->params);
    ip.unknown = std::move(resolved->unknown);
    ip.from_env = std::move(resolved->from_env);
  } else {
    ip.problems.push_back(resolved.error().message);
  }
  for (const auto& path : ip.from_env) {
    if (auto* v = ip.params.if_contains(path)) *v = "[from env]";
  }

  if (s.kind == StepKind::kWait) {
    auto c = resolve_value(json::value(s.cluster), ctx);
    if (c.ok() && c->is_string() && c->as_string() != kKnownAfterApply && s.until != "terminated") {
      // A wait on a cluster that does not exist yet is fine only when it was created here.
      check_cluster(std::string(c->as_string()), s.region, ip, false);
    }
    return;
  }
  const std::string cluster =
      s.service == "emr" ? known_string(ip.params, "InstanceId", ip.unknown) : std::string();
  if (!cluster.empty() && s.kind != StepKind::kCreate) {
    check_cluster(cluster, s.region, ip, s.kind != StepKind::kTerminate);
  }
  if (s.kind == StepKind::kScaleIn && !cluster.empty()) check_scale_in(s, cluster, ip);
  if (s.kind == StepKind::kTerminate && s.service != "emr") check_instances(s, ip);
  if (s.kind == StepKind::kCreate) check_repeated_create(s, ip, p);
  price(s, cluster, ip, p.billable);
}

void Previewer::sum_item_prices(StepPreview& p) {
  if (!p.billable || p.items.empty()) return;
  StepPrice sum;
  for (const ItemPreview& ip : p.items) {
    if (!ip.price) {
      p.price_note = ip.label + ": " + (ip.price_note.empty() ? "price unknown" : ip.price_note);
      return;
    }
    if (sum.action.empty()) {
      sum.action = ip.price->action;
      sum.unit = ip.price->unit;
      sum.currency = ip.price->currency;
    }
    sum.quoted.original += ip.price->quoted.original;
    sum.quoted.discounted += ip.price->quoted.discounted;
    sum.hourly.original += ip.price->hourly.original;
    sum.hourly.discounted += ip.price->hourly.discounted;
  }
  p.price = sum;
}

// The clusters every item names, read before the items are checked one by one: in batches of
// up to 100 ids (describe_clusters), not one call per item.
void Previewer::read_clusters_of(const Step& s, const json::array& items) {
  const bool names_cluster = s.kind == StepKind::kWait
                                 ? s.until != "terminated"
                                 : s.service == "emr" && s.kind != StepKind::kCreate;
  if (!names_cluster) return;
  const json::value named = s.kind == StepKind::kWait         ? json::value(s.cluster)
                            : s.params.contains("InstanceId") ? s.params.at("InstanceId")
                                                              : json::value();
  if (named.is_null()) return;
  std::vector<std::string> ids;
  ResolveContext ctx = context();
  for (const auto& item : items) {
    ctx.item = &item;
    auto v = resolve_value(named, ctx);
    if (v.ok() && v->is_string() && v->as_string() != kKnownAfterApply) {
      ids.emplace_back(v->as_string());
    }
  }
  describe_clusters(ids, s.region);
}

// --- how long ----------------------------------------------------------------------------------
void Previewer::timing(Preview& out) {
  const PlanTiming t = predict_plan(plan_, item_counts(out), {out.time_scale});
  for (std::size_t i = 0; i < out.steps.size() && i < t.steps.size(); ++i)
    out.steps[i].timing = t.steps[i];
  out.makespan = t.makespan;
  const base::SysTime now = options_.window_now ? *options_.window_now
                            : options_.now      ? options_.now()
                                                : std::chrono::system_clock::now();
  out.window_fit = fit_window(plan_.window, now, out.makespan);
}

}  // namespace preview_detail

Preview preview_plan(const Plan& plan, CloudReader& reader, const PreviewOptions& options) {
  return preview_detail::Previewer(plan, reader, options).run();
}

std::vector<std::size_t> item_counts(const Preview& preview) {
  std::vector<std::size_t> counts;
  for (const auto& s : preview.steps) {
    // A for_each whose list could not be resolved runs nothing; a plain step runs once.
    const bool fans = !s.items.empty() || s.query.has_value();
    counts.push_back(fans ? s.items.size() : 1);
  }
  return counts;
}

}  // namespace tcplan::planner
