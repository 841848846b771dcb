// ScaleOutInstance (old API: counts per node type) and ScaleOutCluster (new API: one
// ScaleOutNodeConfig). Both start a "scale_out" flow: the cluster goes to 4 (5 for router
// nodes), the new nodes appear when the flow ends, and the cluster goes back to 2 (302 when the
// fault script fails the flow, with no nodes added).
#include <boost/json.hpp>
#include <cstdio>

#include "emulator/cloud/actions.h"
#include "emulator/cloud/operations.h"
#include "emulator/cloud/params.h"
#include "emulator/cloud/request_specs.h"
#include "emulator/cloud/times.h"

namespace tcplan::emulator::cloud {

namespace json = boost::json;

namespace {

// InvalidParameter.InvalidTaskCount: "The number of task nodes cannot exceed 20" (EMR API,
// "Error Codes"), read as per request.
constexpr int kMaxTaskNodesPerRequest = 20;

std::string flag_title(int flag) {
  std::string s = node_flag_lower(flag);
  s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

struct ScaleOut {
  int flag = kTask;
  int count = 0;
  NodeSpec spec;
  std::vector<Tag> tags;
  int charge_type = 0;
};

ApiReply scale_out(Context& ctx, Cluster& c, const ScaleOut& s) {
  std::vector<Tag> tags = c.tags;
  for (const auto& t : s.tags) {
    std::erase_if(tags, [&](const Tag& x) { return x.key == t.key; });
    tags.push_back(t);
  }
  FlowStart start;
  start.kind = "scale_out";
  start.name = "Scale Out " + flag_title(s.flag);
  start.desc = {{"NodeType", flag_title(s.flag)},
                {flag_title(s.flag) + "Size", std::to_string(s.count)}};
  // Status 4 "scaling out" (5 "adding router node"), then 2, or 302 "scale-out failed"
  // (docs/cloud-api.md, "Cluster status").
  start.status_during = s.flag == kRouter ? 5 : 4;
  start.status_on_success = 2;
  start.status_on_failure = 302;
  // DealNames are 14-digit order numbers, date first, like the reference's 20200309357833
  // (EMR API, ScaleOutInstance); BillId is the first of them.
  json::array deals;
  std::string day = beijing_time(ctx.now).substr(0, 10);
  std::erase(day, '-');
  for (int i = 0; i < s.count; ++i) {
    start.add_nodes.push_back(new_node(ctx, c, s.flag, s.spec, tags, s.charge_type));
    char deal[32];
    std::snprintf(deal, sizeof deal, "%s%06lld", day.c_str(),
                  static_cast<long long>(ctx.db.next_counter("deal_counter", 100001) % 1000000));
    deals.push_back(json::value(deal));
  }
  Flow f = start_flow(ctx, c, std::move(start));
  ctx.resources_created = s.count;
  return ok({{"InstanceId", c.id},
             {"ClientToken", str_or(ctx.params(), "ClientToken")},
             {"FlowId", f.id},
             {"TraceId", f.trace_id},
             {"DealNames", deals},
             {"BillId", deals.empty() ? std::string() : std::string(deals.front().as_string())}});
}

}  // namespace

ApiReply scale_out_instance(Context& ctx) {
  const auto& p = ctx.params();
  auto c = find_cluster(ctx, str_or(p, "InstanceId"), "InvalidParameter.InvalidClusterId");
  if (!c) return c.error();
  if (in_process(*c)) return in_process_reply(*c);
  auto billing = billing_params(p);
  if (!billing) return billing.error();
  ScaleOut s;
  s.charge_type = billing->pay_mode;
  int kinds = 0;
  static const std::pair<int, const char*> kCounts[] = {{kTask, "TaskCount"},
                                                        {kCore, "CoreCount"},
                                                        {kRouter, "RouterCount"},
                                                        {kMaster, "MasterCount"}};
  for (auto& [flag, key] : kCounts) {
    std::int64_t n = int_or(p, key, 0);
    if (n < 0)
      return fail("InvalidParameter.InvalidCount", std::string(key) + " must not be negative.");
    if (n == 0) continue;
    ++kinds;
    s.flag = flag;
    s.count = static_cast<int>(n);
  }
  // InvalidCount "must be greater than 0" and InvalidCountNum "only applies to task nodes or
  // core nodes" (EMR API, "Error Codes"): one node type per request.
  if (kinds == 0) return fail("InvalidParameter.InvalidCount", "The count must be greater than 0.");
  if (kinds > 1)
    return fail("InvalidParameter.InvalidCountNum",
                "A scale-out request only applies to one node type.");
  if (s.flag == kTask && s.count > kMaxTaskNodesPerRequest)
    return fail("InvalidParameter.InvalidTaskCount", "The number of task nodes cannot exceed 20.");
  auto tags = request_tags(p);
  if (!tags) return tags.error();
  s.tags = *tags;
  s.spec = c->specs.count(s.flag) ? c->specs.at(s.flag) : default_spec();
  return scale_out(ctx, *c, s);
}

ApiReply scale_out_cluster(Context& ctx) {
  const auto& p = ctx.params();
  auto c = find_cluster(ctx, str_or(p, "InstanceId"));
  if (!c) return c.error();
  if (in_process(*c)) return in_process_reply(*c);
  const std::string charge = str_or(p, "InstanceChargeType");
  auto* config = sub(p, "ScaleOutNodeConfig");
  const std::string flag_name = config ? str_or(*config, "NodeFlag") : "";
  ScaleOut s;
  s.flag = node_flag_from_name(flag_name);
  if (s.flag < 0 || s.flag == kCommon)
    return fail("InvalidParameter.InvalidNodeFlag",
                "NodeFlag must be MASTER, CORE, TASK or ROUTER.");
  // The catalog's charge-type rule, the one the planner checks too: SPOTPAID buys TASK nodes
  // only, PREPAID needs a month count (docs/cloud-api.md, "Billing").
  if (auto v = charge_type_violation(p, flag_name)) return *v;
  s.count = static_cast<int>(int_or(*config, "NodeCount", 0));
  if (s.count <= 0) return fail("InvalidParameterValue", "NodeCount must be greater than 0.");
  s.charge_type = prepaid_charge(charge) ? 1 : 0;
  auto tags = request_tags(p);
  if (!tags) return tags.error();
  s.tags = *tags;
  if (auto* rs = sub(p, "ResourceSpec")) {
    auto spec = spec_from_node_resource_spec(*rs);
    if (!spec) return spec.error();
    s.spec = *spec;
    auto extra = request_tags(*rs);
    if (!extra) return extra.error();
    s.tags.insert(s.tags.end(), extra->begin(), extra->end());
  } else {
    s.spec = c->specs.count(s.flag) ? c->specs.at(s.flag) : default_spec();
  }
  return scale_out(ctx, *c, s);
}

}  // namespace tcplan::emulator::cloud
