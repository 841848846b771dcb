#include "emulator/cloud/model.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

namespace tcplan::emulator::cloud {

namespace json = boost::json;

namespace {

std::string str(const json::object& o, std::string_view k, std::string fallback = {}) {
  auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->as_string()) : fallback;
}

std::int64_t i64(const json::object& o, std::string_view k, std::int64_t fallback = 0) {
  auto* v = o.if_contains(k);
  if (!v) return fallback;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  if (v->is_double()) return static_cast<std::int64_t>(v->as_double());
  return fallback;
}

bool boolean(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_bool() && v->as_bool();
}

const json::array& arr(const json::object& o, std::string_view k) {
  static const json::array kEmpty;
  auto* v = o.if_contains(k);
  return v && v->is_array() ? v->as_array() : kEmpty;
}

const json::object& obj(const json::object& o, std::string_view k) {
  static const json::object kEmpty;
  auto* v = o.if_contains(k);
  return v && v->is_object() ? v->as_object() : kEmpty;
}

json::object int_map(const std::map<int, int>& m) {
  json::object o;
  for (auto& [k, v] : m)
    o[std::to_string(k)] = v;
  return o;
}

}  // namespace

int node_flag_from_name(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (name == "master") return kMaster;
  if (name == "core") return kCore;
  if (name == "task") return kTask;
  if (name == "router") return kRouter;
  if (name == "common") return kCommon;
  return -1;
}

std::string node_flag_lower(int flag) {
  switch (flag) {
    case kMaster:
      return "master";
    case kCore:
      return "core";
    case kTask:
      return "task";
    case kRouter:
      return "router";
    default:
      return "common";
  }
}

json::array tags_json(const std::vector<Tag>& tags, const char* key, const char* value) {
  json::array a;
  for (const auto& t : tags)
    a.push_back(json::object{{key, t.key}, {value, t.value}});
  return a;
}

std::vector<Tag> tags_from_json(const json::value& v, const char* key, const char* value) {
  std::vector<Tag> tags;
  if (!v.is_array()) return tags;
  for (const auto& t : v.as_array()) {
    if (!t.is_object()) continue;
    tags.push_back({str(t.as_object(), key), str(t.as_object(), value)});
  }
  return tags;
}

json::object to_json(const NodeSpec& s) {
  return {{"InstanceType", s.instance_type},
          {"Spec", s.spec},
          {"Cpu", s.cpu},
          {"MemSizeMB", s.mem_mb},
          {"DiskType", s.disk_type},
          {"DiskSizeGB", s.disk_gb},
          {"DiskCount", s.disk_count},
          {"RootDiskType", s.root_disk_type},
          {"RootSizeGB", s.root_gb},
          {"StorageType", s.storage_type}};
}

NodeSpec node_spec_from_json(const json::object& o) {
  NodeSpec s;
  s.instance_type = str(o, "InstanceType");
  s.spec = str(o, "Spec");
  s.cpu = static_cast<int>(i64(o, "Cpu"));
  s.mem_mb = static_cast<int>(i64(o, "MemSizeMB"));
  s.disk_type = str(o, "DiskType", s.disk_type);
  s.disk_gb = static_cast<int>(i64(o, "DiskSizeGB", s.disk_gb));
  s.disk_count = static_cast<int>(i64(o, "DiskCount", s.disk_count));
  s.root_disk_type = str(o, "RootDiskType", s.root_disk_type);
  s.root_gb = static_cast<int>(i64(o, "RootSizeGB", s.root_gb));
  s.storage_type = static_cast<int>(i64(o, "StorageType", s.storage_type));
  return s;
}

json::object to_json(const Node& n) {
  return {{"EmrResourceId", n.resource_id},
          {"OrderNo", n.cvm_id},
          {"ClusterId", n.cluster_id},
          {"Flag", n.flag},
          {"NameTag", n.name_tag},
          {"Spec", to_json(n.spec)},
          {"Ip", n.ip},
          {"Tags", tags_json(n.tags)},
          {"ChargeType", n.charge_type},
          {"CreatedMs", n.created_ms},
          {"Seq", n.seq}};
}

Node node_from_json(const json::object& o) {
  Node n;
  n.resource_id = str(o, "EmrResourceId");
  n.cvm_id = str(o, "OrderNo");
  n.cluster_id = str(o, "ClusterId");
  n.flag = static_cast<int>(i64(o, "Flag"));
  n.name_tag = str(o, "NameTag");
  n.spec = node_spec_from_json(obj(o, "Spec"));
  n.ip = str(o, "Ip");
  if (auto* t = o.if_contains("Tags")) n.tags = tags_from_json(*t);
  n.charge_type = static_cast<int>(i64(o, "ChargeType"));
  n.created_ms = i64(o, "CreatedMs");
  n.seq = i64(o, "Seq");
  return n;
}

json::object to_json(const Cluster& c) {
  json::object specs;
  for (auto& [flag, s] : c.specs)
    specs[std::to_string(flag)] = to_json(s);
  json::array software;
  for (auto& s : c.software)
    software.push_back(json::value(s));
  return {{"ClusterId", c.id},
          {"Id", c.num_id},
          {"ClusterName", c.name},
          {"Status", c.status},
          {"ProductId", c.product_id},
          {"EmrVersion", c.emr_version},
          {"Software", software},
          {"Region", c.region},
          {"Zone", c.zone},
          {"ZoneId", c.zone_id},
          {"RegionId", c.region_id},
          {"ProjectId", c.project_id},
          {"ChargeType", c.charge_type},
          {"SupportHA", c.support_ha},
          {"VpcId", c.vpc_id},
          {"SubnetId", c.subnet_id},
          {"Tags", tags_json(c.tags)},
          {"Specs", specs},
          {"NextIndex", int_map(c.next_index)},
          {"CreatedMs", c.created_ms},
          {"ActiveFlow", c.active_flow},
          {"Terminated", c.terminated},
          {"TerminatedMs", c.terminated_ms},
          {"Scheduler", c.scheduler},
          {"FairConfig", c.fair_config},
          {"FairPlan", c.fair_plan},
          {"CapacityConfig", c.capacity_config},
          {"Seq", c.seq}};
}

Cluster cluster_from_json(const json::object& o) {
  Cluster c;
  c.id = str(o, "ClusterId");
  c.num_id = i64(o, "Id");
  c.name = str(o, "ClusterName");
  c.status = static_cast<int>(i64(o, "Status", 2));
  c.product_id = static_cast<int>(i64(o, "ProductId"));
  c.emr_version = str(o, "EmrVersion");
  for (auto& s : arr(o, "Software"))
    if (s.is_string()) c.software.emplace_back(s.as_string());
  c.region = str(o, "Region");
  c.zone = str(o, "Zone");
  c.zone_id = static_cast<int>(i64(o, "ZoneId"));
  c.region_id = static_cast<int>(i64(o, "RegionId"));
  c.project_id = static_cast<int>(i64(o, "ProjectId"));
  c.charge_type = static_cast<int>(i64(o, "ChargeType"));
  c.support_ha = boolean(o, "SupportHA");
  c.vpc_id = str(o, "VpcId");
  c.subnet_id = str(o, "SubnetId");
  if (auto* t = o.if_contains("Tags")) c.tags = tags_from_json(*t);
  for (auto& [k, v] : obj(o, "Specs"))
    if (v.is_object()) c.specs[std::stoi(std::string(k))] = node_spec_from_json(v.as_object());
  for (auto& [k, v] : obj(o, "NextIndex"))
    if (v.is_int64()) c.next_index[std::stoi(std::string(k))] = static_cast<int>(v.as_int64());
  c.created_ms = i64(o, "CreatedMs");
  c.active_flow = i64(o, "ActiveFlow");
  c.terminated = boolean(o, "Terminated");
  c.terminated_ms = i64(o, "TerminatedMs");
  c.scheduler = str(o, "Scheduler", "capacity");
  c.fair_config = str(o, "FairConfig");
  c.fair_plan = str(o, "FairPlan");
  c.capacity_config = str(o, "CapacityConfig");
  c.seq = i64(o, "Seq");
  return c;
}

json::object to_json(const Flow& f) {
  json::array stages;
  for (auto& s : f.stages)
    stages.push_back(
        json::object{{"Stage", s.key}, {"Name", s.name}, {"DurationMs", s.duration_ms}});
  json::array desc;
  for (auto& [k, v] : f.desc)
    desc.push_back(json::object{{"PKey", k}, {"PValue", v}});
  json::array add;
  for (auto& n : f.add_nodes)
    add.push_back(to_json(n));
  json::array remove;
  for (auto& r : f.remove_nodes)
    remove.push_back(json::value(r));
  return {{"FlowId", f.id},
          {"TraceId", f.trace_id},
          {"ClusterId", f.cluster_id},
          {"Action", f.action},
          {"Kind", f.kind},
          {"FlowName", f.name},
          {"FlowDesc", desc},
          {"StartMs", f.start_ms},
          {"Stages", stages},
          {"Outcome", f.outcome},
          {"FaultStage", f.fault_stage},
          {"FailedReason", f.failed_reason},
          {"StatusOnSuccess", f.status_on_success},
          {"StatusOnFailure", f.status_on_failure},
          {"AddNodes", add},
          {"RemoveNodes", remove},
          {"TerminateCluster", f.terminate_cluster},
          {"Settled", f.settled}};
}

Flow flow_from_json(const json::object& o) {
  Flow f;
  f.id = i64(o, "FlowId");
  f.trace_id = str(o, "TraceId");
  f.cluster_id = str(o, "ClusterId");
  f.action = str(o, "Action");
  f.kind = str(o, "Kind");
  f.name = str(o, "FlowName");
  for (auto& d : arr(o, "FlowDesc"))
    if (d.is_object())
      f.desc.emplace_back(str(d.as_object(), "PKey"), str(d.as_object(), "PValue"));
  f.start_ms = i64(o, "StartMs");
  for (auto& s : arr(o, "Stages"))
    if (s.is_object())
      f.stages.push_back(Stage{str(s.as_object(), "Stage"), str(s.as_object(), "Name"),
                               i64(s.as_object(), "DurationMs")});
  f.outcome = static_cast<int>(i64(o, "Outcome", 2));
  f.fault_stage = static_cast<int>(i64(o, "FaultStage", -1));
  f.failed_reason = str(o, "FailedReason");
  f.status_on_success = static_cast<int>(i64(o, "StatusOnSuccess", 2));
  f.status_on_failure = static_cast<int>(i64(o, "StatusOnFailure", 2));
  for (auto& n : arr(o, "AddNodes"))
    if (n.is_object()) f.add_nodes.push_back(node_from_json(n.as_object()));
  for (auto& r : arr(o, "RemoveNodes"))
    if (r.is_string()) f.remove_nodes.emplace_back(r.as_string());
  f.terminate_cluster = boolean(o, "TerminateCluster");
  f.settled = boolean(o, "Settled");
  return f;
}

json::object to_json(const Instance& i) {
  return {{"InstanceId", i.id},
          {"Service", i.service},
          {"InstanceName", i.name},
          {"InstanceType", i.instance_type},
          {"Zone", i.zone},
          {"CPU", i.cpu},
          {"Memory", i.mem_gb},
          {"Tags", tags_json(i.tags, "Key", "Value")},
          {"CreatedMs", i.created_ms},
          {"TerminateAtMs", i.terminate_at_ms},
          {"Seq", i.seq}};
}

Instance instance_from_json(const json::object& o) {
  Instance i;
  i.id = str(o, "InstanceId");
  i.service = str(o, "Service");
  i.name = str(o, "InstanceName");
  i.instance_type = str(o, "InstanceType", i.instance_type);
  i.zone = str(o, "Zone");
  i.cpu = static_cast<int>(i64(o, "CPU", i.cpu));
  i.mem_gb = static_cast<int>(i64(o, "Memory", i.mem_gb));
  if (auto* t = o.if_contains("Tags")) i.tags = tags_from_json(*t, "Key", "Value");
  i.created_ms = i64(o, "CreatedMs");
  i.terminate_at_ms = i64(o, "TerminateAtMs", -1);
  i.seq = i64(o, "Seq");
  return i;
}

}  // namespace tcplan::emulator::cloud
