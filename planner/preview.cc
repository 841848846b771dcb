// The dry run: resolve every step with placeholders for outputs of earlier steps, read the
// clusters and nodes the steps touch, price billable steps, and add up the window's cost.
#include "planner/preview.h"

#include <boost/json/serialize.hpp>
#include <charconv>
#include <cmath>
#include <ctime>
#include <map>

#include "api/catalog.h"
#include "api/param_rules.h"
#include "base/time.h"
#include "planner/reference.h"
#include "planner/resolve.h"

namespace tcplan::planner {

namespace json = boost::json;

namespace {

// Costs come back as numbers (CreateInstance) or strings ("1.74", ScaleOutInstance).
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

class Previewer {
 public:
  Previewer(const Plan& plan, CloudReader& reader, const PreviewOptions& options)
      : plan_(plan), reader_(reader), options_(options), catalog_(api::Catalog::builtin()) {}

  Preview run() {
    Preview out;
    out.plan_name = plan_.name;
    out.plan_file = plan_.file;
    out.plan_sha256 = plan_.sha256;
    out.currency = plan_.budget ? plan_.budget->currency : "CNY";
    out.fetched_at =
        base::format_utc(options_.now ? options_.now() : std::chrono::system_clock::now());
    if (plan_.window) {
      out.window_hours =
          std::chrono::duration<double, std::ratio<3600>>(plan_.window->end - plan_.window->start)
              .count();
    }
    currency_ = out.currency;
    for (const Step& s : plan_.steps)
      out.steps.push_back(step(s));
    window_costs(out);
    totals(out);
    return out;
  }

 private:
  StepPreview step(const Step& s) {
    StepPreview p;
    fan_out_ = 1;
    p.id = s.id;
    p.kind = to_string(s.kind);
    p.service = s.service;
    p.action = s.action;
    p.version = s.version;
    p.region = s.region;
    p.description = s.description;

    ResolveContext ctx;
    ctx.plan = &plan_;
    ctx.run_id = options_.run_id;
    ctx.allow_unknown_outputs = true;
    // Env values are checked by validate; the preview never needs (or shows) them.
    ctx.env = [](std::string_view) { return std::optional<std::string>("[from env]"); };
    json::value first;
    if (s.for_each) {
      auto items = resolve_for_each(s, ctx);
      if (items.ok() && !items->empty()) first = (*items)[0];
      if (items.ok()) fan_out_ = items->size();
    }
    if (!first.is_null()) ctx.item = &first;
    ResolvedParams rp;
    auto resolved = resolve_params(s, ctx);
    if (resolved.ok()) {
      rp = std::move(resolved.value());
    } else {
      p.problems.push_back(resolved.error().message);
    }
    p.params = rp.params;
    p.unknown = rp.unknown;
    p.from_env = rp.from_env;
    for (const auto& path : p.from_env) {
      if (auto* v = p.params.if_contains(path)) *v = "[from env]";
    }

    if (s.kind == StepKind::kWait) {
      auto c = resolve_value(json::value(s.cluster), ctx);
      if (c.ok() && c->is_string() && c->as_string() != kKnownAfterApply &&
          s.until != "terminated") {
        // A wait on a cluster that does not exist yet is fine only when it was created here.
        check_cluster(std::string(c->as_string()), s.region, &p, false);
      }
      return p;
    }
    const std::string cluster =
        s.service == "emr" ? known_string(p.params, "InstanceId", p.unknown) : std::string();
    if (!cluster.empty() && s.kind != StepKind::kCreate) {
      check_cluster(cluster, s.region, &p, s.kind != StepKind::kTerminate);
    }
    if (s.kind == StepKind::kScaleIn && !cluster.empty()) check_scale_in(s, cluster, &p);
    if (s.kind == StepKind::kTerminate && s.service != "emr") check_instances(s, &p);
    price(s, cluster, &p);
    return p;
  }

  // DescribeInstances for one cluster, cached: several steps usually touch the same one.
  const json::object* describe_cluster(const std::string& id, const std::string& region,
                                       std::string* error) {
    auto it = clusters_.find(id);
    if (it == clusters_.end()) {
      json::object params{{"DisplayStrategy", "clusterList"},
                          {"InstanceIds", json::array{json::value(id)}}};
      auto r = reader_.call("emr", "DescribeInstances", emr_version(), region, params);
      Cached c;
      if (!r.ok()) {
        c.error = r.error().to_string();
      } else if (const auto* list = r->if_contains("ClusterList");
                 list && list->is_array() && !list->as_array().empty() &&
                 list->as_array()[0].is_object()) {
        c.info = list->as_array()[0].as_object();
        c.found = true;
      }
      it = clusters_.emplace(id, std::move(c)).first;
    }
    *error = it->second.error;
    return it->second.found ? &it->second.info : nullptr;
  }

  void check_cluster(const std::string& id, const std::string& region, StepPreview* p,
                     bool must_be_running) {
    std::string error;
    const json::object* info = describe_cluster(id, region, &error);
    if (!error.empty()) {
      p->problems.push_back("cannot read cluster " + id + ": " + error);
      return;
    }
    if (info == nullptr) {
      p->problems.push_back("cluster " + id + " does not exist in " + region);
      return;
    }
    const auto status = number(*info, "Status");
    if (status && *status == 2) {
      p->checks.push_back("cluster " + id + " exists and is running");
    } else if (must_be_running) {
      p->problems.push_back("cluster " + id + " is not running (status " +
                            (status ? std::to_string(static_cast<int>(*status)) : "unknown") + ")");
    } else {
      p->checks.push_back("cluster " + id + " exists");
    }
  }

  void check_scale_in(const Step& s, const std::string& cluster, StepPreview* p) {
    std::string flag = "task";
    if (s.select) flag = s.select->node_flag;
    if (const auto* nf = p->params.if_contains("NodeFlag"); nf && nf->is_string()) {
      flag = std::string(nf->as_string());
      for (char& c : flag)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    json::object params{{"InstanceId", cluster}, {"NodeFlag", flag}, {"Limit", 100}};
    auto r = reader_.call("emr", "DescribeClusterNodes", emr_version(), s.region, params);
    if (!r.ok()) {
      p->problems.push_back("cannot read the nodes of " + cluster + ": " + r.error().to_string());
      return;
    }
    std::set<std::string> present;
    if (const auto* list = r->if_contains("NodeList"); list && list->is_array()) {
      for (const auto& n : list->as_array()) {
        if (!n.is_object()) continue;
        for (const char* key : {"EmrResourceId", "OrderNo"}) {
          if (const auto* v = n.as_object().if_contains(key); v && v->is_string()) {
            present.insert(std::string(v->as_string()));
          }
        }
      }
    }
    const auto total = number(*r, "TotalCnt");
    const std::size_t count = total ? static_cast<std::size_t>(*total) : present.size();
    std::size_t removing = 0;
    for (const char* key : {"ResourceIds", "CvmInstanceIds"}) {
      const auto* ids = p->params.if_contains(key);
      if (!ids || !ids->is_array()) continue;
      for (const auto& id : ids->as_array()) {
        ++removing;
        if (id.is_string() && !present.count(std::string(id.as_string()))) {
          p->problems.push_back(std::string(key) + ": node " + std::string(id.as_string()) +
                                " is not a " + flag + " node of " + cluster);
        }
      }
    }
    if (s.select && s.select->newest > 0) removing = static_cast<std::size_t>(s.select->newest);
    if (s.select && !s.select->added_by.empty()) {
      p->checks.push_back("removes the " + flag + " nodes added by step '" + s.select->added_by +
                          "' (known after apply)");
      return;
    }
    if (removing > count) {
      p->problems.push_back("cluster " + cluster + " has " + std::to_string(count) + " " + flag +
                            " nodes; the step removes " + std::to_string(removing));
    } else {
      p->checks.push_back("cluster " + cluster + " has " + std::to_string(count) + " " + flag +
                          " nodes; removing " + std::to_string(removing));
    }
  }

  void check_instances(const Step& s, StepPreview* p) {
    const char* key = s.service == "cvm" ? "InstanceIds" : "InstanceIdSet";
    const auto* ids = p->params.if_contains(key);
    if (!ids || !ids->is_array()) return;
    json::object params{{key, *ids}};
    auto r = reader_.call(s.service, "DescribeInstances", s.version, s.region, params);
    if (!r.ok()) {
      p->problems.push_back("cannot read " + s.service + " instances: " + r.error().to_string());
      return;
    }
    std::set<std::string> found;
    if (const auto* set = r->if_contains("InstanceSet"); set && set->is_array()) {
      for (const auto& i : set->as_array()) {
        if (!i.is_object()) continue;
        if (const auto* id = i.as_object().if_contains("InstanceId"); id && id->is_string()) {
          found.insert(std::string(id->as_string()));
        }
      }
    }
    for (const auto& id : ids->as_array()) {
      if (!id.is_string()) continue;
      const std::string x(id.as_string());
      if (found.count(x)) {
        p->checks.push_back(s.service + " instance " + x + " exists");
      } else {
        p->problems.push_back(s.service + " instance " + x + " does not exist");
      }
    }
  }

  // --- prices ------------------------------------------------------------------------------
  void price(const Step& s, const std::string& cluster, StepPreview* p) {
    std::string action, service = s.service, version;
    json::object params;
    if (s.price) {
      p->billable = true;
      action = s.price->action;
      if (!s.price->service.empty()) service = s.price->service;
      version = s.price->version;
      ResolveContext ctx;
      ctx.plan = &plan_;
      ctx.allow_unknown_outputs = true;
      ctx.run_id = options_.run_id;
      ResolvedParams rp;
      auto v = resolve_value(json::value(s.price->params), ctx, {}, &rp);
      if (!v.ok()) {
        p->price_note = v.error().message;
        return;
      }
      if (!rp.unknown.empty()) {
        p->price_note = "the price inquiry needs values known only after apply";
        return;
      }
      params = std::move(v->as_object());
    } else if (s.kind == StepKind::kCreate) {
      p->billable = true;
      if (s.action != "CreateInstance") {
        p->price_note = "no automatic price inquiry for " + s.action + "; add [steps.price]";
        return;
      }
      action = "InquiryPriceCreateInstance";
      params = copy_known(p->params, "emr", action);
    } else if (s.kind == StepKind::kScaleOut) {
      p->billable = true;
      if (s.action != "ScaleOutInstance") {
        p->price_note = "no automatic price inquiry for " + s.action + "; add [steps.price]";
        return;
      }
      if (cluster.empty()) {
        p->price_note = "the cluster is known only after apply";
        return;
      }
      action = "InquiryPriceScaleOutInstance";
      params = copy_known(p->params, "emr", action);
      for (const char* k : {"CoreCount", "TaskCount"}) {
        if (!params.contains(k)) params[k] = 0;
      }
      if (!params.contains("ZoneId")) {
        std::string error;
        const json::object* info = describe_cluster(cluster, s.region, &error);
        const auto zone = info ? number(*info, "ZoneId") : std::nullopt;
        if (!zone) {
          p->price_note = "the cluster's zone could not be read";
          return;
        }
        params["ZoneId"] = static_cast<std::int64_t>(*zone);
      }
    } else {
      return;  // not billable
    }
    const api::ActionSpec* spec = catalog_.find(service, action, version);
    if (spec && spec->param("Currency") && !params.contains("Currency"))
      params["Currency"] = currency_;
    auto r = reader_.call(service, action, spec ? spec->version : version, s.region, params);
    if (!r.ok()) {
      p->price_note = action + " failed: " + r.error().to_string();
      return;
    }
    const auto original = number(*r, "OriginalCost");
    const auto discounted = number(*r, "DiscountCost");
    if (!original || !discounted) {
      p->price_note = action + " returned no OriginalCost/DiscountCost";
      return;
    }
    // The span the quote covers: "s" + 3600 is one hour; "m" + N is N months.
    std::string unit = known_string(*r, "TimeUnit", {});
    if (unit.empty()) unit = known_string(*r, "Unit", {});
    if (unit.empty()) unit = known_string(params, "TimeUnit", {});
    double span = 0;
    if (const auto t = number(*r, "TimeSpan")) span = *t;
    if (span == 0) {
      if (const auto t = number(params, "TimeSpan")) span = *t;
    }
    StepPrice sp;
    sp.action = action;
    sp.currency = currency_;
    // The hours the quote covers, by the catalog's PayMode terms (the emulator prices with the
    // same conversion): "s" + 3600 is one hour, "m" + N is N months of 720 hours.
    const api::PayModeTerms* terms = catalog_.pay_mode_of_unit(unit);
    if (terms == nullptr) {
      p->price_note = action + " answered in an unknown time unit '" + unit + "'";
      return;
    }
    const double units = span > 0 ? span : static_cast<double>(terms->time_spans.front());
    const double hours = api::billed_hours(*terms, units);
    if (unit == "s") {
      sp.unit = "hour";
      sp.quoted = {*original / hours, *discounted / hours};
    } else {
      sp.unit = "month";
      sp.quoted = {*original / units, *discounted / units};
    }
    sp.hourly = {*original / hours, *discounted / hours};
    if (s.for_each && fan_out_ > 1) {
      // The same step runs once per item: the price is per run.
      const double n = static_cast<double>(fan_out_);
      sp.quoted = {sp.quoted.original * n, sp.quoted.discounted * n};
      sp.hourly = {sp.hourly.original * n, sp.hourly.discounted * n};
    }
    p->price = sp;
  }

  json::object copy_known(const json::object& from, const std::string& service,
                          const std::string& action) {
    json::object out;
    const api::ActionSpec* spec = catalog_.find(service, action);
    if (!spec) return out;
    for (const auto& kv : from) {
      if (spec->param(kv.key())) out[kv.key()] = kv.value();
    }
    return out;
  }

  // --- the change window ---------------------------------------------------------------------
  // Steps are assumed to take their full timeout, one after another in file order: an upper
  // bound that keeps the estimate on the safe side of the budget.
  void window_costs(Preview& out) {
    std::vector<double> start(plan_.steps.size(), 0);
    double t = 0;
    for (std::size_t i = 0; i < plan_.steps.size(); ++i) {
      start[i] = t;
      t += std::chrono::duration<double, std::ratio<3600>>(plan_.steps[i].timeout).count();
    }
    for (std::size_t i = 0; i < plan_.steps.size(); ++i) {
      StepPreview& p = out.steps[i];
      if (!p.price) continue;
      const int remover = find_remover(i);
      double hours = 0;
      if (remover >= 0) {
        p.removed_by = plan_.steps[remover].id;
        hours = start[remover] - start[i];
        if (out.window_hours) hours = std::min(hours, *out.window_hours);
      } else if (out.window_hours) {
        hours = std::max(0.0, *out.window_hours - std::min(start[i], *out.window_hours));
      } else {
        continue;  // kept until someone removes it: no window to bound the estimate
      }
      p.window_hours = hours;
      p.window_cost = Money{p.price->hourly.original * hours, p.price->hourly.discounted * hours};
    }
  }

  // The later step that removes what step i adds: a scale_in selecting its nodes, or a
  // terminate of the cluster it created.
  int find_remover(std::size_t i) const {
    const Step& s = plan_.steps[i];
    for (std::size_t j = i + 1; j < plan_.steps.size(); ++j) {
      const Step& later = plan_.steps[j];
      if (later.kind == StepKind::kScaleIn && later.select && later.select->added_by == s.id) {
        return static_cast<int>(j);
      }
      if (s.kind == StepKind::kCreate && later.kind == StepKind::kTerminate) {
        const json::value* id = later.params.if_contains("InstanceId");
        if (id && id->is_string() &&
            std::string_view(id->as_string()).find("${steps." + s.id + ".InstanceId}") !=
                std::string_view::npos) {
          return static_cast<int>(j);
        }
      }
    }
    return -1;
  }

  void totals(Preview& out) {
    Money hourly, window;
    bool window_known = true;
    for (const StepPreview& p : out.steps) {
      for (const auto& x : p.problems)
        out.problems.push_back("step '" + p.id + "': " + x);
      if (!p.billable) continue;
      if (!p.price) {
        ++out.unknown_prices;
        continue;
      }
      hourly.original += p.price->hourly.original;
      hourly.discounted += p.price->hourly.discounted;
      if (p.window_cost) {
        window.original += p.window_cost->original;
        window.discounted += p.window_cost->discounted;
      } else {
        window_known = false;
      }
    }
    if (out.unknown_prices == 0) {
      out.hourly = hourly;
      if (window_known && out.window_hours) out.window_cost = window;
      if (window_known && !out.window_hours) {
        // Without a window, only steps removed later in the plan have a bounded cost.
        bool any_billable = false;
        for (const auto& p : out.steps)
          any_billable = any_billable || p.billable;
        if (any_billable) out.window_cost = window;
      }
    }
    if (!plan_.budget) return;
    const Budget& b = *plan_.budget;
    char buf[160];
    if (b.max_hourly) {
      if (!out.hourly) {
        out.budget_violations.push_back(
            "max_hourly cannot be checked: " + std::to_string(out.unknown_prices) +
            " step price(s) are unknown");
      } else if (out.hourly->discounted > *b.max_hourly) {
        std::snprintf(buf, sizeof buf, "added hourly spend %.2f %s exceeds max_hourly %.2f",
                      out.hourly->discounted, b.currency.c_str(), *b.max_hourly);
        out.budget_violations.push_back(buf);
      }
    }
    if (b.max_total) {
      if (!out.window_cost) {
        out.budget_violations.push_back(
            "max_total cannot be checked: the window's cost is unknown" +
            std::string(out.unknown_prices ? " (" + std::to_string(out.unknown_prices) +
                                                 " step price(s) are unknown)"
                                           : " (the plan has no [window])"));
      } else if (out.window_cost->discounted > *b.max_total) {
        std::snprintf(buf, sizeof buf, "estimated window cost %.2f %s exceeds max_total %.2f",
                      out.window_cost->discounted, b.currency.c_str(), *b.max_total);
        out.budget_violations.push_back(buf);
      }
    }
  }

  struct Cached {
    json::object info;
    bool found = false;
    std::string error;
  };

  // The EMR version of the reads the dry run makes, as the catalog records it.
  std::string emr_version() const { return catalog_.service("emr")->version; }

  const Plan& plan_;
  CloudReader& reader_;
  const PreviewOptions& options_;
  const api::Catalog& catalog_;
  std::string currency_;
  std::size_t fan_out_ = 1;
  std::map<std::string, Cached> clusters_;
};

}  // namespace

Preview preview_plan(const Plan& plan, CloudReader& reader, const PreviewOptions& options) {
  return Previewer(plan, reader, options).run();
}

}  // namespace tcplan::planner
