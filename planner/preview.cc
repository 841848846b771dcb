// The dry run: resolve every step with placeholders for outputs of earlier steps, read the
// clusters and nodes the steps touch, price billable steps, and add up the window's cost.
#include "planner/preview.h"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cmath>
#include <ctime>
#include <map>

#include "api/catalog.h"
#include "api/param_rules.h"
#include "base/time.h"
#include "planner/preview_totals.h"
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
    add_window_costs(plan_, out);
    add_totals(plan_, out);
    add_group_totals(plan_, out);
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
    if (const Group* g = plan_.group_of(s)) p.group = g->id;

    ResolveContext ctx;
    ctx.plan = &plan_;
    ctx.run_id = options_.run_id;
    ctx.allow_unknown_outputs = true;
    // Env values are checked by validate; the preview never needs (or shows) them.
    ctx.env = [](std::string_view) { return std::optional<std::string>("[from env]"); };
    json::array items;
    if (s.for_each) {
      if (auto list = resolve_for_each(s, ctx); list.ok()) items = std::move(*list);
      fan_out_ = items.size();
      p.items = items.size();
    }
    if (!items.empty()) ctx.item = &items[0];
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

    // The cluster every item names: each one is read (in batches), not only the first.
    const json::value* named = nullptr;
    json::value wait_cluster;
    if (s.kind == StepKind::kWait) {
      if (s.until != "terminated") {
        wait_cluster = json::value(s.cluster);
        named = &wait_cluster;
      }
    } else if (s.service == "emr" && s.kind != StepKind::kCreate) {
      named = s.params.if_contains("InstanceId");
    }
    if (named != nullptr) {
      std::vector<std::string> clusters;
      const std::size_t n = items.empty() ? 1 : items.size();
      for (std::size_t i = 0; i < n; ++i) {
        ResolveContext c = ctx;
        c.item = items.empty() ? nullptr : &items[i];
        auto v = resolve_value(*named, c);
        if (v.ok() && v->is_string() && v->as_string() != kKnownAfterApply) {
          clusters.emplace_back(v->as_string());
        }
      }
      // A wait on a cluster that does not exist yet is fine only when it was created here.
      const bool must_be_running = s.kind != StepKind::kWait && s.kind != StepKind::kTerminate;
      check_clusters(clusters, s.region, &p, must_be_running);
    }
    if (s.kind == StepKind::kWait) return p;
    const std::string cluster =
        s.service == "emr" ? known_string(p.params, "InstanceId", p.unknown) : std::string();
    if (s.kind == StepKind::kScaleIn && !cluster.empty()) check_scale_in(s, cluster, &p);
    if (s.kind == StepKind::kTerminate && s.service != "emr") check_instances(s, &p);
    price(s, cluster, &p);
    return p;
  }

  // DescribeInstances for the clusters not read yet, up to 100 ids per call (paginated), and
  // cached: several steps, and every item of a fleet, usually touch the same ones.
  void describe_clusters(const std::vector<std::string>& ids, const std::string& region) {
    std::vector<std::string> todo;
    for (const auto& id : ids) {
      if (!clusters_.count(id) && std::find(todo.begin(), todo.end(), id) == todo.end()) {
        todo.push_back(id);
      }
    }
    for (std::size_t from = 0; from < todo.size(); from += kIdsPerRead) {
      const std::size_t to = std::min(todo.size(), from + kIdsPerRead);
      json::array batch;
      for (std::size_t i = from; i < to; ++i)
        batch.push_back(json::value(todo[i]));
      std::map<std::string, json::object> found;
      std::string error;
      for (std::int64_t offset = 0;; offset += static_cast<std::int64_t>(kIdsPerRead)) {
        json::object params{{"DisplayStrategy", "clusterList"},
                            {"InstanceIds", batch},
                            {"ProjectId", -1},
                            {"Offset", offset},
                            {"Limit", static_cast<std::int64_t>(kIdsPerRead)}};
        auto r = reader_.call("emr", "DescribeInstances", emr_version(), region, params);
        if (!r.ok()) {
          error = r.error().to_string();
          break;
        }
        std::size_t page = 0;
        if (const auto* list = r->if_contains("ClusterList"); list && list->is_array()) {
          for (const auto& c : list->as_array()) {
            ++page;
            if (!c.is_object()) continue;
            if (const auto* id = c.as_object().if_contains("ClusterId"); id && id->is_string()) {
              found[std::string(id->as_string())] = c.as_object();
            }
          }
        }
        const auto total = number(*r, "TotalCnt");
        if (page < kIdsPerRead || !total ||
            offset + static_cast<std::int64_t>(kIdsPerRead) >= static_cast<std::int64_t>(*total)) {
          break;
        }
      }
      for (std::size_t i = from; i < to; ++i) {
        Cached c;
        c.error = error;
        if (auto f = found.find(todo[i]); f != found.end()) {
          c.info = std::move(f->second);
          c.found = true;
        }
        clusters_.emplace(todo[i], std::move(c));
      }
    }
  }

  // One cluster, through the same cache.
  const json::object* describe_cluster(const std::string& id, const std::string& region,
                                       std::string* error) {
    describe_clusters({id}, region);
    const Cached& c = clusters_.at(id);
    *error = c.error;
    return c.found ? &c.info : nullptr;
  }

  // Every item's cluster exists (and runs, when the step changes it). A fleet step says so in
  // one line and names each cluster that does not.
  void check_clusters(const std::vector<std::string>& ids, const std::string& region,
                      StepPreview* p, bool must_be_running) {
    describe_clusters(ids, region);
    std::size_t ok = 0;
    std::string last_ok;
    for (const auto& id : ids) {
      const Cached& c = clusters_.at(id);
      if (!c.error.empty()) {
        p->problems.push_back("cannot read cluster " + id + ": " + c.error);
        continue;
      }
      if (!c.found) {
        p->problems.push_back("cluster " + id + " does not exist in " + region);
        continue;
      }
      const auto status = number(c.info, "Status");
      if (must_be_running && !(status && *status == 2)) {
        p->problems.push_back("cluster " + id + " is not running (status " +
                              (status ? std::to_string(static_cast<int>(*status)) : "unknown") +
                              ")");
        continue;
      }
      ++ok;
      last_ok = id;
    }
    if (ok == 0) return;
    const bool running = must_be_running;
    if (ids.size() == 1) {
      // Kept as it always read for a single cluster.
      const auto status = number(clusters_.at(last_ok).info, "Status");
      p->checks.push_back("cluster " + last_ok +
                          (status && *status == 2 ? " exists and is running" : " exists"));
    } else {
      p->checks.push_back(std::to_string(ok) + " of " + std::to_string(ids.size()) +
                          " clusters exist" + (running ? " and are running" : ""));
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

  static constexpr std::size_t kIdsPerRead = 100;  // DescribeInstances: InstanceIds and Limit

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
