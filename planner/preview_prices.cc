// Prices of the dry run: every billable step (each for_each item) is priced with an
// InquiryPrice call — create with InquiryPriceCreateInstance (CreateInstance's params as they
// are; CreateCluster's mapped to them), scale-out with InquiryPriceScaleOutInstance
// (ScaleOutInstance's params; ScaleOutCluster's mapped), anything else through
// [steps.price]. A price that cannot be asked for is unknown, never 0; an inquiry that fails
// is a failed dry run, not an unknown price.
#include "api/node_types.h"
#include "api/param_rules.h"
#include "base/text.h"
#include "planner/preview_internal.h"

namespace tcplan::planner::preview_detail {

namespace json = boost::json;

namespace {

const json::object* object_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_object() ? &v->as_object() : nullptr;
}

const json::object* first_object(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_array() || v->as_array().empty() || !v->as_array()[0].is_object()) {
    return nullptr;
  }
  return &v->as_array()[0].as_object();
}

// PayMode, TimeUnit and TimeSpan for an InstanceChargeType, by the catalog's terms
// (docs/cloud-api.md, "Billing"): a prepaid charge buys InstanceChargePrepaid.Period months
// of its PayMode; the others are priced pay-as-you-go for one hour (SPOTPAID at the list
// price: an upper bound of what spot nodes cost).
std::optional<std::string> pay_terms(const api::Catalog& catalog, const json::object& from,
                                     json::object& to) {
  const json::value* type = from.if_contains("InstanceChargeType");
  const std::string name = type && type->is_string() ? std::string(type->as_string()) : "";
  const api::ChargeType* charge = catalog.charge_type(name);
  if (charge == nullptr) return "unknown InstanceChargeType '" + name + "'";
  const api::PayModeTerms* terms = catalog.pay_mode(charge->prepaid_pay_mode.value_or(0));
  if (terms == nullptr || terms->time_spans.empty()) return "no PayMode terms for " + name;
  to["PayMode"] = terms->pay_mode;
  to["TimeUnit"] = terms->time_unit;
  std::int64_t span = terms->time_spans.front();
  if (charge->prepaid_pay_mode) {
    const json::object* prepaid = object_at(from, "InstanceChargePrepaid");
    const auto period = prepaid ? number(*prepaid, "Period") : std::nullopt;
    if (!period) return name + " without InstanceChargePrepaid.Period";
    span = static_cast<std::int64_t>(*period);
  }
  to["TimeSpan"] = span;
  return std::nullopt;
}

// CreateCluster's NodeResourceSpec (InstanceType, SystemDisk[], DataDisk[]) as the Resource
// InquiryPriceCreateInstance prices: Spec, Cpu and MemSize read off the InstanceType
// (api/node_types.h), the data disk as DiskType, DiskSize, StorageType and MultiDisks.
// Resource.DiskType takes CLOUD_SSD, CLOUD_PREMIUM or CLOUD_BASIC only: an enhanced or
// tremendous SSD is asked for as CLOUD_SSD and a throughput disk as CLOUD_PREMIUM (StorageType
// still names the real kind), so such a price is an upper bound, never less than the bill.
// Resource requires a data disk: a spec without one (or with an unreadable InstanceType) is
// not priced, and says why.
std::optional<std::string> resource_of(const json::object& spec, const std::string& key,
                                       json::object& r) {
  const json::value* t = spec.if_contains("InstanceType");
  const auto size = t && t->is_string() ? api::parse_instance_type(t->as_string()) : std::nullopt;
  if (!size) return "CreateCluster's " + key + " has no InstanceType like S5.2XLARGE16 to price";
  r["InstanceType"] = *t;
  r["Spec"] = "CVM." + size->family;
  r["Cpu"] = size->cpu;
  r["MemSize"] = static_cast<std::int64_t>(size->mem_gb) * 1024;
  if (first_object(spec, "DataDisk") == nullptr) {
    return "CreateCluster's " + key +
           " has no DataDisk, and InquiryPriceCreateInstance prices a node with its data disk";
  }
  if (const json::object* sys = first_object(spec, "SystemDisk")) {
    if (auto gb = number(*sys, "DiskSize")) r["RootSize"] = static_cast<std::int64_t>(*gb);
  }
  if (const json::object* data = first_object(spec, "DataDisk")) {
    const json::value* type = data->if_contains("DiskType");
    const std::string disk = type && type->is_string() ? std::string(type->as_string()) : "";
    r["StorageType"] = api::storage_type_of(disk);
    r["DiskType"] = disk == "CLOUD_BASIC" || disk == "CLOUD_PREMIUM" || disk == "CLOUD_SSD"
                        ? disk
                        : (disk.find("SSD") != std::string::npos ? "CLOUD_SSD" : "CLOUD_PREMIUM");
    if (auto gb = number(*data, "DiskSize")) r["DiskSize"] = static_cast<std::int64_t>(*gb);
    if (auto count = number(*data, "Count"); count && *count > 1) {
      r["MultiDisks"] = json::array{json::object{{"DiskType", r["DiskType"]},
                                                 {"Volume", r["DiskSize"]},
                                                 {"Count", static_cast<std::int64_t>(*count)}}};
    }
  }
  return std::nullopt;
}

// CreateCluster -> InquiryPriceCreateInstance.
std::optional<std::string> create_cluster_inquiry(const api::Catalog& catalog,
                                                  const json::object& p, json::object& q) {
  if (auto why = pay_terms(catalog, p, q)) return why;
  const json::value* ha = p.if_contains("EnableSupportHAFlag");
  q["SupportHA"] = ha && ha->is_bool() && ha->as_bool() ? 1 : 0;
  if (const json::object* scene = object_at(p, "SceneSoftwareConfig")) {
    if (const json::value* sw = scene->if_contains("Software")) q["Software"] = *sw;
    if (const json::value* name = scene->if_contains("SceneName");
        name && name->is_string() && !name->as_string().empty()) {
      q["SceneName"] = *name;
    }
  }
  const json::object* zone = first_object(p, "ZoneResourceConfiguration");
  if (zone == nullptr) return "CreateCluster has no ZoneResourceConfiguration to price";
  if (const json::object* placement = object_at(*zone, "Placement")) {
    json::object where;
    if (const json::value* z = placement->if_contains("Zone")) where["Zone"] = *z;
    if (const json::value* pid = placement->if_contains("ProjectId")) where["ProjectId"] = *pid;
    q["Placement"] = std::move(where);
  }
  const json::object* all = object_at(*zone, "AllNodeResourceSpec");
  if (all == nullptr) return "CreateCluster has no AllNodeResourceSpec to price";
  json::object spec;
  for (const char* node : {"Master", "Core", "Task", "Common"}) {
    const std::string key = std::string(node) + "ResourceSpec";
    if (const json::object* s = object_at(*all, key)) {
      json::object r;
      if (auto why = resource_of(*s, key, r)) return why;
      spec[key] = std::move(r);
    }
    const std::string count = std::string(node) + "Count";
    if (const json::value* c = all->if_contains(count)) spec[count] = *c;
  }
  q["ResourceSpec"] = std::move(spec);
  return std::nullopt;
}

// ScaleOutCluster -> InquiryPriceScaleOutInstance (its counts by NodeFlag).
std::optional<std::string> scale_out_cluster_inquiry(const api::Catalog& catalog,
                                                     const json::object& p, json::object& q) {
  if (auto why = pay_terms(catalog, p, q)) return why;
  if (const json::value* id = p.if_contains("InstanceId")) q["InstanceId"] = *id;
  const json::object* cfg = object_at(p, "ScaleOutNodeConfig");
  const json::value* flag = cfg ? cfg->if_contains("NodeFlag") : nullptr;
  const auto count = cfg ? number(*cfg, "NodeCount") : std::nullopt;
  if (!flag || !flag->is_string() || !count) return "ScaleOutNodeConfig has no NodeFlag/NodeCount";
  const std::string f = base::ascii_lower(flag->as_string());
  const char* key = f == "task"     ? "TaskCount"
                    : f == "core"   ? "CoreCount"
                    : f == "router" ? "RouterCount"
                    : f == "master" ? "MasterCount"
                                    : nullptr;
  if (key == nullptr) return "no price inquiry for NodeFlag " + std::string(flag->as_string());
  q[key] = static_cast<std::int64_t>(*count);
  return std::nullopt;
}

}  // namespace

json::object Previewer::copy_known(const json::object& from, const std::string& service,
                                   const std::string& action) const {
  json::object out;
  const api::ActionSpec* spec = catalog_.find(service, action);
  if (!spec) return out;
  for (const auto& kv : from) {
    if (spec->param(kv.key())) out[kv.key()] = kv.value();
  }
  return out;
}

void Previewer::price(const Step& s, const std::string& cluster, ItemPreview& ip, bool& billable) {
  std::string action, service = s.service, version;
  json::object params;
  if (s.price) {
    billable = true;
    action = s.price->action;
    if (!s.price->service.empty()) service = s.price->service;
    version = s.price->version;
    ResolvedParams rp;
    ResolveContext ctx = context();
    ctx.item = ip.item.is_null() ? nullptr : &ip.item;
    auto v = resolve_value(json::value(s.price->params), ctx, {}, &rp);
    if (!v.ok()) {
      ip.price_note = v.error().message;
      return;
    }
    if (!rp.unknown.empty()) {
      ip.price_note = "the price inquiry needs values known only after apply";
      return;
    }
    params = std::move(v->as_object());
  } else if (s.kind == StepKind::kCreate) {
    billable = true;
    action = "InquiryPriceCreateInstance";
    if (s.action == "CreateCluster") {
      if (auto why = create_cluster_inquiry(catalog_, ip.params, params)) {
        ip.price_note = *why;
        return;
      }
    } else {
      params = copy_known(ip.params, "emr", action);
    }
  } else if (s.kind == StepKind::kScaleOut) {
    billable = true;
    if (cluster.empty()) {
      ip.price_note = "the cluster is known only after apply";
      return;
    }
    action = "InquiryPriceScaleOutInstance";
    if (s.action == "ScaleOutCluster") {
      if (auto why = scale_out_cluster_inquiry(catalog_, ip.params, params)) {
        ip.price_note = *why;
        return;
      }
    } else {
      params = copy_known(ip.params, "emr", action);
    }
    for (const char* k : {"CoreCount", "TaskCount"}) {
      if (!params.contains(k)) params[k] = 0;
    }
    if (!params.contains("ZoneId")) {
      std::string error;
      const json::object* info = describe_cluster(cluster, s.region, &error);
      const auto zone = info ? number(*info, "ZoneId") : std::nullopt;
      if (!zone) {
        ip.price_note = "the cluster's zone could not be read";
        return;
      }
      params["ZoneId"] = static_cast<std::int64_t>(*zone);
    }
  } else {
    return;  // not billable
  }
  for (const auto& path : s.price ? std::set<std::string>{} : ip.unknown) {
    const std::string top = path.substr(0, path.find_first_of(".["));
    if (params.contains(top)) {
      ip.price_note = "the price inquiry needs " + path + ", known only after apply";
      return;
    }
  }
  const api::ActionSpec* spec = catalog_.find(service, action, version);
  if (spec && spec->param("Currency") && !params.contains("Currency"))
    params["Currency"] = currency_;
  auto r = reader_.call(service, action, spec ? spec->version : version, s.region, params);
  if (!r.ok()) {
    ip.price_note = action + " failed: " + r.error().to_string();
    ip.problems.push_back("pricing failed: " + ip.price_note);
    pricing_failures_.push_back("step '" + (ip.label.empty() ? s.id : ip.label) +
                                "': " + ip.price_note);
    return;
  }
  const auto original = number(*r, "OriginalCost");
  const auto discounted = number(*r, "DiscountCost");
  if (!original || !discounted) {
    ip.price_note = action + " returned no OriginalCost/DiscountCost";
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
    ip.price_note = action + " answered in an unknown time unit '" + unit + "'";
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
  ip.price = sp;
}

}  // namespace tcplan::planner::preview_detail
