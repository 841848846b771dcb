// The four InquiryPrice* actions, each answering in its documented shape from prices.h:
// floats for Create/Renew/Update, strings for ScaleOut (OriginalCost "1.74").
#include <boost/json.hpp>

#include "emulator/cloud/actions.h"
#include "emulator/cloud/ids.h"
#include "emulator/cloud/operations.h"
#include "emulator/cloud/params.h"
#include "emulator/cloud/prices.h"
#include "emulator/cloud/regions.h"
#include "emulator/cloud/request_specs.h"

namespace tcplan::emulator::cloud {

namespace json = boost::json;

namespace {

constexpr double kPolicy = kDiscountRate * 100;

// One PartDetailPriceItem: list price, discounted unit and total cost, count (EMR API, "Data
// Types"). Unlike the reference's example, the parts add up to the totals.
json::object part(const char* name, double unit_list, int count) {
  return {{"InstanceType", name},
          {"Price", round_cny(unit_list)},
          {"RealCost", round_cny(unit_list * kDiscountRate)},
          {"RealTotalCost", round_cny(unit_list * kDiscountRate * count)},
          {"Policy", kPolicy},
          {"GoodsNum", count}};
}

json::object price_resource(const NodeSpec& s) {
  return {{"Spec", s.instance_type.empty() ? s.spec : s.instance_type},
          {"StorageType", s.storage_type},
          {"DiskType", s.disk_type},
          {"RootSize", s.root_gb},
          {"MemSize", s.mem_mb},
          {"Cpu", s.cpu},
          {"DiskSize", s.disk_gb},
          {"MultiDisks",
           json::array{json::object{
               {"DiskType", s.disk_type}, {"Volume", s.disk_gb}, {"Count", s.disk_count}}}},
          {"DiskCnt", s.disk_count},
          {"InstanceType", s.instance_type.substr(0, s.instance_type.find('.'))},
          {"Tags", json::array{}},
          {"DiskNum", s.disk_count},
          {"LocalDiskNum", 0}};
}

ApiReply price_error(const std::string& code) {
  return fail(code, "The node spec cannot be priced.");
}

}  // namespace

ApiReply inquiry_price_create_instance(Context& ctx) {
  const auto& p = ctx.params();
  auto billing = billing_params(p);
  if (!billing) return billing.error();
  if (auto e = check_currency(p, true)) return *e;
  auto ha = opt_int(p, "SupportHA");
  if (!ha || (*ha != 0 && *ha != 1)) return fail("InvalidParameter", "SupportHA must be 0 or 1.");
  if (strings(p, "Software").empty())
    // "Necessary components are missing": InquiryPriceCreateInstance's code for Software.
    return fail("InvalidParameter.NotContainMustSelectSoftware", "Software must name components.");
  std::optional<ZoneInfo> zone;
  if (auto* placement = sub(p, "Placement"); placement && opt_str(*placement, "Zone"))
    zone = zone_info(str_or(*placement, "Zone"));
  else
    zone = default_zone(ctx.call.region);
  if (!zone) return fail("InvalidParameter.InvalidZone", "Unknown zone.");
  static const std::tuple<int, const char*, const char*> kParts[] = {{kMaster, "Master", "master"},
                                                                     {kCore, "Core", "core"},
                                                                     {kTask, "Task", "task"},
                                                                     {kCommon, "Common", "common"}};
  const auto* rs = sub(p, "ResourceSpec");
  std::vector<std::pair<NodeSpec, int>> nodes;
  json::array node_prices;
  const double hours = billable_hours(billing->pay_mode, billing->time_span);
  for (auto& [flag, key, type] : kParts) {
    int count = flag == kMaster ? (*ha ? 2 : 1) : flag == kCore ? 2 : 0;
    NodeSpec spec = default_spec();
    if (rs) {
      count = static_cast<int>(int_or(*rs, std::string(key) + "Count", count));
      if (auto* r = sub(*rs, std::string(key) + "ResourceSpec")) {
        auto s = spec_from_resource(*r);
        if (!s) return s.error();
        spec = *s;
      }
    }
    if (count < 0)
      return fail("InvalidParameter.InvalidCoreCount", "Node counts cannot be negative.");
    if (count == 0) continue;
    auto h = node_hourly(spec);
    if (!h) return price_error(h.error());
    nodes.emplace_back(spec, count);
    node_prices.push_back(json::object{
        {"NodeType", type},
        {"PartDetailPrice", json::array{part("node", h->node * hours, count),
                                        part("rootDisk", h->root_disk * hours, count),
                                        part("dataDisk", h->data_disk * hours, count)}}});
  }
  auto q = quote(nodes, billing->pay_mode, billing->time_span);
  if (!q) return price_error(q.error());
  return ok({{"OriginalCost", q->original},
             {"DiscountCost", q->discount},
             {"TimeUnit", billing->time_unit},
             {"TimeSpan", billing->time_span},
             {"PriceList", json::array{json::object{{"ZoneId", std::to_string(zone->zone_id)},
                                                    {"NodeDetailPrice", node_prices}}}}});
}

ApiReply inquiry_price_scale_out_instance(Context& ctx) {
  const auto& p = ctx.params();
  auto c = find_cluster(ctx, str_or(p, "InstanceId"));
  if (!c) return c.error();
  auto billing = billing_params(p);
  if (!billing) return billing.error();
  if (auto e = check_currency(p, true)) return *e;
  if (auto zone_id = opt_int(p, "ZoneId"); !zone_id || !zone_by_id(static_cast<int>(*zone_id)))
    return fail("InvalidParameterValue", "Unknown ZoneId.");
  static const std::pair<int, const char*> kCounts[] = {{kCore, "CoreCount"},
                                                        {kTask, "TaskCount"},
                                                        {kRouter, "RouterCount"},
                                                        {kMaster, "MasterCount"}};
  std::vector<std::pair<NodeSpec, int>> nodes;
  for (auto& [flag, key] : kCounts) {
    std::int64_t n = int_or(p, key, 0);
    if (n < 0)
      return fail(
          flag == kCore ? "InvalidParameter.InvalidCoreCount" : "InvalidParameter.InvalidCountNum",
          std::string(key) + " must not be negative.");
    if (n > 0)
      nodes.emplace_back(c->specs.count(flag) ? c->specs.at(flag) : default_spec(),
                         static_cast<int>(n));
  }
  if (nodes.empty())
    return fail("InvalidParameter.InvalidCountNum", "At least one node count must be positive.");
  auto q = quote(nodes, billing->pay_mode, billing->time_span);
  if (!q) return price_error(q.error());
  // Strings here, numbers in the other three inquiries (docs/cloud-api.md, "Prices").
  json::object price{{"OriginalCost", cny_string(q->original)},
                     {"DiscountCost", cny_string(q->discount)},
                     {"Unit", billing->time_unit},
                     {"PriceSpec", price_resource(nodes.front().first)}};
  json::object multiple = price;
  // MultipleEmrPrice repeats the first spec's price (EMR API, InquiryPriceScaleOutInstance).
  multiple["SupportSpotPaid"] = false;
  price["MultipleEmrPrice"] = json::array{multiple};
  return ok(std::move(price));
}

ApiReply inquiry_price_renew_instance(Context& ctx) {
  const auto& p = ctx.params();
  // Renewals are monthly only (Go SDK field comment); the reference lists
  // PayModeResourceNotMatch among this action's codes.
  if (int_or(p, "PayMode", -1) != 1)
    return fail("InvalidParameter.PayModeResourceNotMatch", "Only monthly (PayMode 1) renews.");
  json::object billing_in{{"PayMode", 1},
                          {"TimeUnit", str_or(p, "TimeUnit", "m")},
                          {"TimeSpan", int_or(p, "TimeSpan", 0)}};
  auto billing = billing_params(billing_in);
  if (!billing) return billing.error();
  if (auto e = check_currency(p, false)) return *e;
  auto ids = strings(p, "ResourceIds");
  if (ids.empty()) return fail("InvalidParameter.InvalidResourceIds", "ResourceIds is empty.");
  std::string zone;
  if (auto* placement = sub(p, "Placement")) zone = str_or(*placement, "Zone");
  std::vector<std::pair<NodeSpec, int>> nodes;
  for (const auto& id : ids) {
    auto n = well_formed_id(id, kNodeId) ? ctx.db.node_by_resource(id) : std::nullopt;
    if (!n) return fail("InvalidParameter.InvalidResourceIds", "Unknown resource " + id + ".");
    auto c = ctx.db.cluster(n->cluster_id);
    if (c && !zone.empty() && c->zone != zone)
      return fail("InvalidParameter.ZoneResourceNotMatch",
                  "Resource " + id + " is not in " + zone + ".");
    nodes.emplace_back(n->spec, 1);
  }
  auto q = quote(nodes, 1, billing->time_span);
  if (!q) return price_error(q.error());
  return ok({{"OriginalCost", q->original},
             {"DiscountCost", q->discount},
             {"TimeUnit", billing->time_unit},
             {"TimeSpan", billing->time_span}});
}

ApiReply inquiry_price_update_instance(Context& ctx) {
  const auto& p = ctx.params();
  auto billing = billing_params(p);
  if (!billing) return billing.error();
  if (auto e = check_currency(p, false)) return *e;
  auto* update = sub(p, "UpdateSpec");
  if (!update) return fail("InvalidParameter.InvalidModifySpec", "UpdateSpec is required.");
  std::string id = str_or(*update, "ResourceId");
  auto n = well_formed_id(id, kNodeId) ? ctx.db.node_by_resource(id) : std::nullopt;
  if (!n) return fail("ResourceNotFound.ResourceNotFound", "Unknown resource " + id + ".");
  NodeSpec target = n->spec;
  if (auto type = opt_str(*update, "InstanceType"); type && !type->empty()) {
    target.instance_type = *type;
  } else {
    target.instance_type.clear();
    target.cpu = static_cast<int>(int_or(*update, "CPUCores", target.cpu));
    target.mem_mb = static_cast<int>(int_or(*update, "Memory", target.mem_mb / 1024)) * 1024;
  }
  auto before = quote({{n->spec, 1}}, billing->pay_mode, billing->time_span);
  auto after = quote({{target, 1}}, billing->pay_mode, billing->time_span);
  if (!before) return price_error(before.error());
  if (!after) return fail("InvalidParameter.InvalidModifySpec", "The target spec cannot be sold.");
  // The difference between the new and the current spec, as the reference's Formula example
  // reads (EMR API, InquiryPriceUpdateInstance); a smaller spec costs 0, never a refund.
  double original = round_cny(std::max(0.0, after->original - before->original));
  double discount = round_cny(original * kDiscountRate);
  std::string formula = "New spec " + cny_string(after->original) + " CNY - current spec " +
                        cny_string(before->original) + " CNY, x " +
                        std::to_string(static_cast<int>(kPolicy)) + "%";
  return ok({{"OriginalCost", original},
             {"DiscountCost", discount},
             {"TimeUnit", billing->time_unit},
             {"TimeSpan", billing->time_span},
             {"PriceDetail", json::array{json::object{{"ResourceId", id},
                                                      {"Formula", formula},
                                                      {"OriginalCost", original},
                                                      {"DiscountCost", discount}}}}});
}

}  // namespace tcplan::emulator::cloud
