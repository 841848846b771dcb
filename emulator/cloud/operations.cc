#include "emulator/cloud/operations.h"

#include <boost/json.hpp>
#include <cstdio>
#include <set>

#include "emulator/cloud/flows.h"
#include "emulator/cloud/ids.h"

namespace tcplan::emulator::cloud {

namespace json = boost::json;

base::Result<Cluster, ApiReply> find_cluster(Context& ctx, std::string_view id,
                                             std::string_view malformed_code) {
  if (!well_formed_id(id, kClusterId))
    return fail(std::string(malformed_code), "Invalid cluster id: " + std::string(id));
  auto c = ctx.db.cluster(id);
  // ResourceNotFound.InstanceNotFound: "The instance was not found", the code every EMR
  // action lists; a terminated cluster is gone as far as callers can tell.
  if (!c || c->terminated)
    return fail("ResourceNotFound.InstanceNotFound",
                "The instance " + std::string(id) + " does not exist.");
  return std::move(*c);
}

// Statuses 3-22 and 24 name an operation in progress (docs/cloud-api.md, "Cluster status"):
// a mutating call then gets ResourceInUse.InstanceInProcess, the "another flow is running"
// code of the EMR actions (docs/cloud-api.md, "Retries and busy clusters").
bool transitional_status(int status) {
  return (status >= 3 && status <= 22) || status == 24;
}

bool in_process(const Cluster& c) {
  return c.active_flow != 0 || transitional_status(c.status);
}

ApiReply in_process_reply(const Cluster& c) {
  std::string msg = "The instance " + c.id + " is under workflow";
  if (c.active_flow) msg += " (FlowId " + std::to_string(c.active_flow) + ")";
  return fail("ResourceInUse.InstanceInProcess", msg + ".");
}

Node new_node(Context& ctx, Cluster& c, int flag, const NodeSpec& spec, std::vector<Tag> tags,
              int charge_type) {
  Node n;
  n.resource_id = new_id(ctx.db, "emr-vm-", ctx.options.seed);
  n.cvm_id = new_id(ctx.db, "ins-", ctx.options.seed);
  n.cluster_id = c.id;
  n.flag = flag;
  int index = c.next_index[flag]++;
  n.name_tag = node_flag_lower(flag) + "." + std::to_string(index);
  n.spec = spec;
  std::int64_t ip = ctx.db.next_counter("ip_counter", 0);
  n.ip = "10.0." + std::to_string(ip / 250 % 256) + "." + std::to_string(ip % 250 + 2);
  n.tags = std::move(tags);
  n.charge_type = charge_type;
  n.created_ms = ctx.now;
  n.seq = ctx.db.next_counter("seq_counter", 1);
  return n;
}

Flow start_flow(Context& ctx, Cluster& c, FlowStart start) {
  Flow f;
  f.id = ctx.db.next_counter("flow_counter", 10001);
  char trace[64];
  std::snprintf(trace, sizeof trace, "%lld-%05lld-%04llu", static_cast<long long>(ctx.now / 1000),
                static_cast<long long>(f.id % 100000),
                static_cast<unsigned long long>(
                    mix64(ctx.options.seed ^ static_cast<std::uint64_t>(f.id)) % 10000));
  f.trace_id = trace;
  f.cluster_id = c.id;
  f.action = ctx.call.action;
  f.kind = start.kind;
  f.name = std::move(start.name);
  f.desc = std::move(start.desc);
  f.start_ms = ctx.now;
  f.stages = default_stages(f.kind, start.extra_ms);
  f.status_on_success = start.status_on_success;
  f.status_on_failure = start.status_on_failure;
  f.add_nodes = std::move(start.add_nodes);
  f.remove_nodes = std::move(start.remove_nodes);
  f.terminate_cluster = start.terminate_cluster;
  apply_flow_faults(f, ctx.options.flow_faults, ctx.db, ctx.options.seed);
  c.status = start.status_during;
  c.active_flow = f.id;
  ctx.db.put(f, effect_ms(f));
  ctx.db.put(c);
  return f;
}

void settle_flows(StateStore& db, std::int64_t now_ms) {
  for (Flow f : db.flows_due(now_ms)) {
    const bool success = f.outcome == 2 || f.outcome == 3;
    auto c = db.cluster(f.cluster_id);
    if (c && !c->terminated) {
      if (success) {
        for (const Node& n : f.add_nodes)
          db.put(n);
        for (const auto& id : f.remove_nodes)
          db.remove_node(id);
        if (f.terminate_cluster) {
          for (const Node& n : db.nodes(c->id))
            db.remove_node(n.resource_id);
          c->terminated = true;
          c->terminated_ms = effect_ms(f);
        }
      }
      c->status = success ? f.status_on_success : f.status_on_failure;
      if (c->active_flow == f.id) c->active_flow = 0;
      db.put(*c);
    }
    f.settled = true;
    db.put(f, effect_ms(f));
  }
}

base::Result<std::vector<Tag>, ApiReply> request_tags(const json::object& params,
                                                      std::string_view key) {
  std::vector<Tag> tags;
  auto* v = params.if_contains(key);
  if (!v) return tags;
  tags = tags_from_json(*v);
  std::set<std::string> seen;
  for (const auto& t : tags) {
    if (t.key.empty() || !seen.insert(t.key).second)
      return fail("InvalidParameterValue", "Tags must have unique, non-empty TagKey values.");
  }
  return tags;
}

}  // namespace tcplan::emulator::cloud
