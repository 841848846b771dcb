// Removing nodes and clusters. TerminateTasks (task nodes by emr-vm- id) and TerminateClusterNodes
// (any type by ins- id) start a "scale_in" flow: status 16/15/17/24, the nodes go when it ends.
// TerminateInstance starts a "terminate" flow: status 14, then the cluster is gone, so
// DescribeInstances stops listing it and direct calls get ResourceNotFound.InstanceNotFound.
#include <boost/json.hpp>
#include <set>

#include "emulator/cloud/actions.h"
#include "emulator/cloud/ids.h"
#include "emulator/cloud/operations.h"
#include "emulator/cloud/params.h"

namespace tcplan::emulator::cloud {

namespace json = boost::json;

namespace {

// Status 16/15/17 "terminating task/core/router node", 24 "removing node" otherwise
// (docs/cloud-api.md, "Cluster status").
int scale_in_status(int flag) {
  switch (flag) {
    case kTask:
      return 16;
    case kCore:
      return 15;
    case kRouter:
      return 17;
    default:
      return 24;
  }
}

// The code TerminateTasks and TerminateClusterNodes list for ids they cannot take (EMR API,
// TerminateTasks and TerminateClusterNodes).
ApiReply invalid_ids(const std::string& why) {
  return fail("InvalidParameter.InvalidResourceIds", why);
}

}  // namespace

ApiReply terminate_tasks(Context& ctx) {
  const auto& p = ctx.params();
  auto c = find_cluster(ctx, str_or(p, "InstanceId"));
  if (!c) return c.error();
  auto ids = strings(p, "ResourceIds");
  if (ids.empty()) return invalid_ids("ResourceIds must name at least one task node.");
  std::set<std::string> seen;
  for (const auto& id : ids) {
    if (!well_formed_id(id, kNodeId)) return invalid_ids("Invalid resource id " + id + ".");
    if (!seen.insert(id).second) return invalid_ids("Resource id " + id + " is given twice.");
    auto n = ctx.db.node_by_resource(id);
    if (!n || n->cluster_id != c->id)
      return invalid_ids("Resource " + id + " is not a node of " + c->id + ".");
    // TerminateTasks scales in task nodes only (EMR API, TerminateTasks: "Terminates a task
    // node").
    if (n->flag != kTask) return invalid_ids("Resource " + id + " is not a task node.");
  }
  if (in_process(*c)) return in_process_reply(*c);
  FlowStart start;
  start.kind = "scale_in";
  start.name = "Scale In Task";
  start.desc = {{"NodeType", "Task"}, {"TaskSize", std::to_string(ids.size())}};
  start.status_during = 16;
  start.remove_nodes = ids;
  start_flow(ctx, *c, std::move(start));
  return ok({});
}

ApiReply terminate_cluster_nodes(Context& ctx) {
  const auto& p = ctx.params();
  auto c = find_cluster(ctx, str_or(p, "InstanceId"));
  if (!c) return c.error();
  std::string flag_name = str_or(p, "NodeFlag");
  int flag = node_flag_from_name(flag_name);
  bool upper = !flag_name.empty() && std::all_of(flag_name.begin(), flag_name.end(), [](char ch) {
    return std::isupper(static_cast<unsigned char>(ch));
  });
  // TerminateClusterNodes documents upper-case MASTER, TASK, CORE, ROUTER only.
  if (flag < 0 || flag == kCommon || !upper)
    return fail("InvalidParameter.InvalidNodeFlag",
                "NodeFlag must be MASTER, CORE, TASK or ROUTER.");
  auto ids = strings(p, "CvmInstanceIds");
  if (ids.empty()) return invalid_ids("CvmInstanceIds must name at least one node.");
  std::int64_t grace_ms = 0;
  if (opt_bool(p, "GraceDownFlag").value_or(false)) {
    std::int64_t t = int_or(p, "GraceDownTime", 0);
    // GraceDownTime: 60-1800 seconds (EMR API, TerminateClusterNodes).
    if (t < 60 || t > 1800)
      return fail("InvalidParameterValue", "GraceDownTime must be 60-1800 seconds.");
    grace_ms = t * 1000;
  }
  std::set<std::string> seen;
  std::vector<std::string> resource_ids;
  for (const auto& id : ids) {
    if (!well_formed_id(id, kCvmId)) return invalid_ids("Invalid CVM instance id " + id + ".");
    if (!seen.insert(id).second) return invalid_ids("CVM instance " + id + " is given twice.");
    auto n = ctx.db.node_by_cvm(id);
    if (!n || n->cluster_id != c->id)
      // "Unable to find the specified CVM instance": the code TerminateClusterNodes lists.
      return fail("ResourceNotFound.CvmInstanceNotFound",
                  "Unable to find CVM instance " + id + " in " + c->id + ".");
    if (n->flag != flag)
      return invalid_ids("CVM instance " + id + " is a " + node_flag_lower(n->flag) +
                         " node, not " + node_flag_lower(flag) + ".");
    resource_ids.push_back(n->resource_id);
  }
  // Removing every master would leave no cluster; the docs are silent, the emulator refuses.
  if (flag == kMaster) {
    std::size_t masters = 0;
    for (const auto& n : ctx.db.nodes(c->id))
      masters += n.flag == kMaster;
    if (resource_ids.size() >= masters) return invalid_ids("A cluster must keep a master node.");
  }
  if (in_process(*c)) return in_process_reply(*c);
  FlowStart start;
  start.kind = "scale_in";
  std::string title = node_flag_lower(flag);
  title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title[0])));
  start.name = "Scale In " + title;
  start.desc = {{"NodeType", title}, {title + "Size", std::to_string(ids.size())}};
  start.status_during = scale_in_status(flag);
  start.extra_ms = grace_ms;
  start.remove_nodes = resource_ids;
  Flow f = start_flow(ctx, *c, std::move(start));
  return ok({{"FlowId", f.id}});
}

ApiReply terminate_instance(Context& ctx) {
  const auto& p = ctx.params();
  std::string base = str_or(p, "ResourceBaseType", "EMR");
  // ResourceBaseType is on the intl page only (EMR TerminateInstance (intl)); compute
  // resources are not modelled.
  if (base != "EMR")
    return fail("UnsupportedOperation.ServiceNotSupport",
                "The emulator terminates EMR clusters only (ResourceBaseType EMR).");
  auto c = find_cluster(ctx, str_or(p, "InstanceId"), "InvalidParameter.InvalidClusterId");
  if (!c) return c.error();
  if (in_process(*c)) return in_process_reply(*c);
  FlowStart start;
  start.kind = "terminate";
  start.name = "Terminate Cluster";
  start.desc = {{"ClusterId", c->id}};
  start.status_during = 14;
  // 14 "terminating cluster"; 201 is the undocumented "destroyed" the Terraform provider
  // waits for (docs/cloud-api.md, "Cluster status").
  start.status_on_success = 201;
  start.status_on_failure = 2;
  start.terminate_cluster = true;
  start_flow(ctx, *c, std::move(start));
  return ok({});
}

}  // namespace tcplan::emulator::cloud
