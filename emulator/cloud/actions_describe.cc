// EMR reads: DescribeInstances, DescribeInstancesList, DescribeClusterNodes and
// DescribeClusterFlowStatusDetail. Offset is a record offset (the docs call it a page number
// but every SDK pages by records); terminated clusters are never listed.
#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "base/text.h"
#include "emulator/cloud/actions.h"
#include "emulator/cloud/flows.h"
#include "emulator/cloud/ids.h"
#include "emulator/cloud/operations.h"
#include "emulator/cloud/params.h"
#include "emulator/cloud/responses.h"

namespace tcplan::emulator::cloud {

namespace json = boost::json;

namespace {

struct Page {
  std::size_t offset = 0;
  std::size_t limit = 10;
};

base::Result<Page, ApiReply> page_params(const json::object& p, std::int64_t default_limit) {
  std::int64_t offset = int_or(p, "Offset", 0);
  std::int64_t limit = int_or(p, "Limit", default_limit);
  // Limit: default 10 for the cluster lists, 100 for nodes, at most 100 (EMR API,
  // DescribeInstances and DescribeClusterNodes).
  if (offset < 0 || limit < 1 || limit > 100)
    return fail("InvalidParameter", "Offset must be >= 0 and Limit 1-100.");
  return Page{static_cast<std::size_t>(offset), static_cast<std::size_t>(limit)};
}

// DisplayStrategy and ordering shared by DescribeInstances and DescribeInstancesList.
base::Result<std::vector<Cluster>, ApiReply> listed_clusters(Context& ctx) {
  const auto& p = ctx.params();
  std::string strategy = str_or(p, "DisplayStrategy");
  // The four documented strategies; the two reserved ones behave like monitorManage (EMR API,
  // DescribeInstances), which also leaves out clusters being created or failed to create.
  static const std::set<std::string> kStrategies = {"clusterList", "monitorManage",
                                                    "cloudHardwareManage", "componentManage"};
  if (!kStrategies.count(strategy))
    return fail("InvalidParameter.DisplayStrategyNotMatch",
                "Unknown DisplayStrategy " + strategy + ".");
  // Case-insensitive because the reference's own example sends "clusterid" for clusterId.
  std::string order = base::ascii_lower(str_or(p, "OrderField", "addTime"));
  if (order != "clusterid" && order != "addtime" && order != "status")
    return fail("InvalidParameter.OrderFieldNotMatch",
                "OrderField must be clusterId, addTime or status.");
  bool asc = int_or(p, "Asc", 0) == 1;
  std::vector<Cluster> out;
  for (auto& c : ctx.db.clusters()) {
    if (c.terminated) continue;
    if (strategy != "clusterList" && (c.status == 3 || c.status == 301)) continue;
    out.push_back(std::move(c));
  }
  std::stable_sort(out.begin(), out.end(), [&](const Cluster& a, const Cluster& b) {
    if (order == "clusterid") return asc ? a.id < b.id : a.id > b.id;
    if (order == "status") return asc ? a.status < b.status : a.status > b.status;
    return asc ? a.seq < b.seq : a.seq > b.seq;
  });
  return out;
}

json::array tag_keys(const std::vector<std::vector<Tag>>& all) {
  std::set<std::string> keys;
  for (const auto& tags : all)
    for (const auto& t : tags)
      keys.insert(t.key);
  json::array a;
  for (const auto& k : keys)
    a.push_back(json::value(k));
  return a;
}

}  // namespace

ApiReply describe_instances(Context& ctx) {
  const auto& p = ctx.params();
  auto ids = strings(p, "InstanceIds");
  for (const auto& id : ids)
    if (!well_formed_id(id, kClusterId))
      return fail("InvalidParameter.InvalidClusterId", "Invalid cluster id " + id + ".");
  auto page = page_params(p, 10);
  if (!page) return page.error();
  auto clusters = listed_clusters(ctx);
  if (!clusters) return clusters.error();
  // ProjectId 0 (the default) is the default project only; -1 lists every project (EMR API,
  // DescribeInstances; docs/cloud-api.md, "Actions tcplan uses").
  std::int64_t project = int_or(p, "ProjectId", 0);
  std::vector<Cluster> matched;
  for (auto& c : *clusters) {
    if (project != -1 && c.project_id != project) continue;
    if (!ids.empty() && std::find(ids.begin(), ids.end(), c.id) == ids.end()) continue;
    matched.push_back(std::move(c));
  }
  json::array list;
  std::vector<std::vector<Tag>> tags;
  for (std::size_t i = page->offset; i < matched.size() && list.size() < page->limit; ++i) {
    list.push_back(cluster_instances_info(matched[i], ctx.db.nodes(matched[i].id), ctx.now));
    tags.push_back(matched[i].tags);
  }
  return ok({{"TotalCnt", static_cast<std::int64_t>(matched.size())},
             {"ClusterList", list},
             {"TagKeys", tag_keys(tags)}});
}

ApiReply describe_instances_list(Context& ctx) {
  const auto& p = ctx.params();
  auto page = page_params(p, 10);
  if (!page) return page.error();
  auto clusters = listed_clusters(ctx);
  if (!clusters) return clusters.error();
  std::vector<Cluster> matched;
  for (auto& c : *clusters) {
    bool keep = true;
    if (auto* filters = list(p, "Filters")) {
      for (const auto& fv : *filters) {
        if (!fv.is_object()) continue;
        std::string name = str_or(fv.as_object(), "Name");
        auto values = strings(fv.as_object(), "Values");
        std::string field;
        if (name == "ClusterId") {
          field = c.id;
        } else if (name == "ClusterName") {
          field = c.name;
        } else if (name == "ClusterStatus") {
          field = std::to_string(c.status);
        } else {
          // Filter names are undocumented; these three and InvalidFilterKey (EMR API, "Error
          // Codes") are the emulator's choice.
          return fail("InvalidParameter.InvalidFilterKey",
                      "Unknown filter " + name + " (ClusterId, ClusterName, ClusterStatus).");
        }
        if (std::find(values.begin(), values.end(), field) == values.end()) keep = false;
      }
    }
    if (keep) matched.push_back(std::move(c));
  }
  json::array list;
  for (std::size_t i = page->offset; i < matched.size() && list.size() < page->limit; ++i)
    list.push_back(emr_list_instance(matched[i], ctx.now));
  return ok({{"TotalCnt", static_cast<std::int64_t>(matched.size())}, {"InstancesList", list}});
}

ApiReply describe_cluster_nodes(Context& ctx) {
  const auto& p = ctx.params();
  auto c = find_cluster(ctx, str_or(p, "InstanceId"));
  if (!c) return c.error();
  std::string flag_name = str_or(p, "NodeFlag");
  // Lower case here, unlike the scale actions (EMR API, DescribeClusterNodes); recyle and
  // renew are the API's own spelling (docs/cloud-api.md, "Actions tcplan uses").
  static const std::set<std::string> kFlags = {"all",    "master", "core",   "task", "common",
                                               "router", "db",     "recyle", "renew"};
  if (!kFlags.count(flag_name))
    return fail("InvalidParameter.InvalidNodeType", "Unknown NodeFlag " + flag_name + ".");
  std::string hardware = str_or(p, "HardwareResourceType", "all");
  if (hardware != "all" && hardware != "host" && hardware != "pod")
    return fail("InvalidParameter", "HardwareResourceType must be all, host or pod.");
  auto page = page_params(p, 100);
  if (!page) return page.error();
  std::vector<Node> matched;
  if (hardware != "pod" && flag_name != "db" && flag_name != "recyle" && flag_name != "renew") {
    for (auto& n : ctx.db.nodes(c->id))
      if (flag_name == "all" || node_flag_lower(n.flag) == flag_name)
        matched.push_back(std::move(n));
  }
  json::array list;
  std::vector<std::vector<Tag>> tags;
  for (std::size_t i = page->offset; i < matched.size() && list.size() < page->limit; ++i) {
    list.push_back(node_hardware_info(matched[i], *c, ctx.now));
    tags.push_back(matched[i].tags);
  }
  return ok({{"TotalCnt", static_cast<std::int64_t>(matched.size())},
             {"NodeList", list},
             {"TagKeys", tag_keys(tags)},
             {"HardwareResourceTypeList", json::array{"host"}}});
}

ApiReply describe_cluster_flow_status_detail(Context& ctx) {
  const auto& p = ctx.params();
  auto c = find_cluster(ctx, str_or(p, "InstanceId"));
  if (!c) return c.error();
  auto* param = sub(p, "FlowParam");
  std::string key = param ? str_or(*param, "FKey") : std::string();
  std::string value = param ? str_or(*param, "FValue") : std::string();
  // FValue is documented as a string ("19239"); a number is accepted too.
  if (param && value.empty())
    if (auto n = opt_int(*param, "FValue")) value = std::to_string(*n);
  std::optional<Flow> f;
  if (key == "FlowId") {
    auto id = opt_int(json::object{{"v", value}}, "v");
    if (!id)
      return fail("InvalidParameter.InvalidJobFlow", "FlowId " + value + " is not a number.");
    f = ctx.db.flow(*id);
  } else if (key == "TraceId") {
    f = ctx.db.flow_by_trace(value);
  } else {
    return fail("InvalidParameter", "FlowParam.FKey must be FlowId or TraceId.");
  }
  if (!f || f->cluster_id != c->id)
    // No error is documented for an unknown flow; InvalidJobFlow ("Invalid process task") is
    // the closest EMR code.
    return fail("InvalidParameter.InvalidJobFlow",
                "No flow " + key + "=" + value + " on cluster " + c->id + ".");
  FlowView v = view_flow(*f, ctx.now);
  json::array desc;
  for (auto& [k, val] : f->desc)
    desc.push_back(json::object{{"PKey", k}, {"PValue", val}});
  json::object out{{"StageDetails", v.stages},
                   {"FlowDesc", desc},
                   {"FlowName", f->name},
                   {"FlowTotalProgress", v.progress},
                   {"FlowTotalStatus", v.total_status},
                   {"FlowInfo", f->name + " (FlowId " + std::to_string(f->id) + ")"}};
  if (opt_bool(p, "NeedExtraDetail").value_or(false))
    out["FlowExtraDetail"] =
        json::array{json::object{{"Title", "Flow parameters"}, {"Detail", desc}}};
  else
    out["FlowExtraDetail"] = nullptr;
  return ok(std::move(out));
}

}  // namespace tcplan::emulator::cloud
