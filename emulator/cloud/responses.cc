#include "emulator/cloud/responses.h"

#include <boost/json.hpp>
#include <cstdio>
#include <map>

#include "emulator/cloud/times.h"

namespace tcplan::emulator::cloud {

namespace json = boost::json;

namespace {

// Account fields every EMR output carries; any stable values do (the docs show real ones).
constexpr std::int64_t kAppId = 1250000000;
constexpr const char* kUin = "100000000001";

int numeric_suffix(const std::string& id) {
  // "vpc-1a2b3c4d" -> a stable number, for the numeric VpcId/SubnetId fields.
  unsigned h = 0;
  for (char ch : id)
    h = h * 31 + static_cast<unsigned char>(ch);
  return static_cast<int>(h % 900000 + 100000);
}

std::string gb_text(std::int64_t gb) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.00 GB", static_cast<long long>(gb));
  return buf;
}

// NodeHardwareInfo.Services per node type, from the processes the reference's DescribeClusterNodes
// example shows (NameNode, ResourceManager on master; DataNode, NodeManager on core).
const char* services_of(int flag) {
  switch (flag) {
    case kMaster:
      return "Zookeeper,NameNode,ResourceManager,JobHistoryServer,HiveServer2,HiveMetaStore";
    case kCore:
      return "DataNode,NodeManager";
    case kTask:
      return "NodeManager";
    case kRouter:
      return "Knox,HiveServer2";
    default:
      return "Zookeeper,JournalNode";
  }
}

}  // namespace

// The state names of ClusterInstancesInfo.Status (docs/cloud-api.md, "Cluster status").
std::string status_text(int status) {
  static const std::map<int, const char*> kText = {{2, "Running"},
                                                   {3, "Creating"},
                                                   {4, "Scaling out"},
                                                   {5, "Adding router node"},
                                                   {6, "Installing component"},
                                                   {7, "Executing command"},
                                                   {8, "Restarting service"},
                                                   {9, "Entering maintenance"},
                                                   {10, "Suspending service"},
                                                   {11, "Exiting maintenance"},
                                                   {12, "Exiting suspension"},
                                                   {14, "Terminating cluster"},
                                                   {15, "Terminating core node"},
                                                   {16, "Terminating task node"},
                                                   {17, "Terminating router node"},
                                                   {24, "Removing node"},
                                                   {301, "Creation failed"},
                                                   {302, "Scale-out failed"}};
  auto it = kText.find(status);
  return it == kText.end() ? "Status " + std::to_string(status) : it->second;
}

json::object outter_resource(const NodeSpec& s) {
  return {{"Spec", s.spec},
          {"SpecName", "EMR " + s.spec},
          {"StorageType", s.storage_type},
          {"DiskType", s.disk_type},
          {"RootSize", s.root_gb},
          {"MemSize", s.mem_mb},
          {"Cpu", s.cpu},
          {"DiskSize", s.disk_gb},
          {"InstanceType", s.instance_type}};
}

json::object cluster_instances_info(const Cluster& c, const std::vector<Node>& nodes,
                                    std::int64_t now_ms) {
  std::map<int, int> counts;
  for (const auto& n : nodes)
    counts[n.flag]++;
  auto resource = [&](int flag) {
    auto it = c.specs.find(flag);
    return outter_resource(it == c.specs.end() ? NodeSpec{} : it->second);
  };
  json::array software;
  for (const auto& s : c.software)
    software.push_back(json::value(s));
  json::object config{{"SoftInfo", software},
                      {"MasterNodeSize", counts[kMaster]},
                      {"CoreNodeSize", counts[kCore]},
                      {"TaskNodeSize", counts[kTask]},
                      {"ComNodeSize", counts[kCommon]},
                      {"RouterNodeSize", counts[kRouter]},
                      {"MasterResource", resource(kMaster)},
                      {"CoreResource", resource(kCore)},
                      {"TaskResource", resource(kTask)},
                      {"ComResource", resource(kCommon)},
                      {"OnCos", false},
                      {"ChargeType", c.charge_type},
                      {"SecurityOn", false},
                      {"SecurityGroup", ""},
                      {"SecurityGroups", json::array{}},
                      {"CbsEncrypt", 0},
                      {"ApplicationRole", ""},
                      {"SupportHA", c.support_ha}};
  json::array topology_nodes;
  static const std::pair<int, const char*> kTypes[] = {{kMaster, "Master"},
                                                       {kCore, "Core"},
                                                       {kTask, "Task"},
                                                       {kRouter, "Router"},
                                                       {kCommon, "Common"}};
  for (auto& [flag, name] : kTypes)
    if (counts[flag])
      topology_nodes.push_back(json::object{{"NodeType", name}, {"NodeSize", counts[flag]}});
  json::object subnet{{"SubnetName", "subnet-emr"}, {"SubnetId", c.subnet_id}};
  std::string master_ip;
  for (const auto& n : nodes)
    if (n.flag == kMaster) {
      master_ip = n.ip;
      break;
    }
  return {
      {"Id", c.num_id},
      {"ClusterId", c.id},
      {"Ftitle", status_text(c.status)},
      {"ClusterName", c.name},
      {"RegionId", c.region_id},
      {"ZoneId", c.zone_id},
      {"AppId", kAppId},
      {"Uin", kUin},
      {"ProjectId", c.project_id},
      {"VpcId", numeric_suffix(c.vpc_id)},
      {"SubnetId", numeric_suffix(c.subnet_id)},
      {"Status", c.status},
      {"AddTime", beijing_time(c.created_ms)},
      {"RunTime", duration_text(now_ms - c.created_ms)},
      {"Config", config},
      {"MasterIp", master_ip},
      {"EmrVersion", c.emr_version},
      {"ChargeType", c.charge_type},
      {"TradeVersion", 1},
      {"ResourceOrderId", 0},
      {"IsTradeCluster", 1},
      {"AlarmInfo", ""},
      {"IsWoodpeckerCluster", 1},
      {"MetaDb", ""},
      {"Tags", tags_json(c.tags)},
      {"HiveMetaDb", ""},
      {"ServiceClass", "EMR"},
      {"AliasInfo",
       "eyJjb21tb24iOiJjb21tb24iLCJjb3JlIjoiY29yZSIsIm1hc3RlciI6Im1hc3RlciIsInRhc2siOiJ0YXNrIn0="},
      {"ProductId", c.product_id},
      {"Zone", c.zone},
      {"SceneName", ""},
      {"SceneServiceClass", ""},
      {"SceneEmrVersion", ""},
      {"DisplayName", "EMR"},
      {"VpcName", "vpc-emr"},
      {"SubnetName", "subnet-emr"},
      {"ClusterExternalServiceInfo", json::array{}},
      {"UniqVpcId", c.vpc_id},
      {"UniqSubnetId", c.subnet_id},
      {"TopologyInfoList", json::array{json::object{{"ZoneId", c.zone_id},
                                                    {"Zone", c.zone},
                                                    {"SubnetInfoList", json::array{subnet}},
                                                    {"NodeInfoList", topology_nodes}}}},
      {"IsMultiZoneCluster", false},
      {"IsCvmReplace", false}};
}

json::object emr_list_instance(const Cluster& c, std::int64_t now_ms) {
  return {{"ClusterId", c.id},
          {"StatusDesc", status_text(c.status)},
          {"ClusterName", c.name},
          {"ZoneId", c.zone_id},
          {"AppId", kAppId},
          {"AddTime", beijing_time(c.created_ms)},
          {"RunTime", duration_text(now_ms - c.created_ms)},
          {"MasterIp", ""},
          {"EmrVersion", c.emr_version},
          {"ChargeType", c.charge_type},
          {"Id", c.num_id},
          {"ProductId", c.product_id},
          {"ProjectId", c.project_id},
          {"RegionId", c.region_id},
          {"SubnetId", numeric_suffix(c.subnet_id)},
          {"VpcId", numeric_suffix(c.vpc_id)},
          {"Zone", c.zone},
          {"Status", c.status},
          {"Tags", tags_json(c.tags)},
          {"AlarmInfo", ""},
          {"IsWoodpeckerCluster", 1},
          {"VpcName", "vpc-emr"},
          {"SubnetName", "subnet-emr"},
          {"UniqVpcId", c.vpc_id},
          {"UniqSubnetId", c.subnet_id},
          {"ClusterClass", "EMR"},
          {"IsMultiZoneCluster", false},
          {"IsHandsCluster", false},
          {"OutSideSoftInfo", json::array{}},
          {"IsSupportOutsideCluster", false}};
}

json::object node_hardware_info(const Node& n, const Cluster& c, std::int64_t now_ms) {
  // NodeHardwareInfo sizes are bytes, DiskSize a "100.00 GB" string, WanIp "--" on the master
  // as in the reference's example (EMR API, DescribeClusterNodes).
  const std::int64_t mem_bytes = static_cast<std::int64_t>(n.spec.mem_mb) * 1024 * 1024;
  const std::int64_t disk_gb = static_cast<std::int64_t>(n.spec.disk_gb) * n.spec.disk_count;
  const std::int64_t disk_bytes = disk_gb * 1024 * 1024 * 1024;
  std::string mem_desc = std::to_string(n.spec.mem_mb / 1024) + "GB";
  std::string services = services_of(n.flag);
  std::string status_text;
  for (std::size_t start = 0; start < services.size();) {
    auto comma = services.find(',', start);
    std::string svc =
        services.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    status_text += (status_text.empty() ? "" : "; ") + svc + ": STARTED";
    start = comma == std::string::npos ? services.size() : comma + 1;
  }
  return {{"AppId", kAppId},
          {"SerialNo", n.resource_id + "-" + n.cvm_id},
          {"OrderNo", n.cvm_id},
          {"WanIp", n.flag == kMaster ? "--" : ""},
          {"Flag", n.flag},
          {"Spec", n.spec.spec},
          {"CpuNum", n.spec.cpu},
          {"MemSize", mem_bytes},
          {"MemDesc", mem_desc},
          {"RegionId", c.region_id},
          {"ZoneId", c.zone_id},
          {"ApplyTime", beijing_time(n.created_ms)},
          {"FreeTime", "0000-00-00 00:00:00"},
          {"DiskSize", gb_text(disk_gb)},
          {"NameTag", n.name_tag},
          {"Services", services},
          {"StorageType", n.spec.storage_type},
          {"RootSize", n.spec.root_gb},
          {"ChargeType", n.charge_type},
          {"CdbIp", ""},
          {"CdbPort", 0},
          {"HwDiskSize", disk_bytes},
          {"HwDiskSizeDesc", gb_text(disk_gb)},
          {"HwMemSize", mem_bytes},
          {"HwMemSizeDesc", mem_desc},
          {"ExpireTime", "0000-00-00 00:00:00"},
          {"EmrResourceId", n.resource_id},
          {"IsAutoRenew", 0},
          {"DeviceClass", "VSELF_2"},
          {"Mutable", 1},
          {"MCMultiDisk",
           json::array{json::object{
               {"Count", n.spec.disk_count},
               {"Type", n.spec.storage_type},
               {"Volume", static_cast<std::int64_t>(n.spec.disk_gb) * 1024 * 1024 * 1024}}}},
          {"CdbNodeInfo", nullptr},
          {"Ip", n.ip},
          {"Destroyable", n.flag == kTask ? 1 : 0},
          {"Tags", tags_json(n.tags)},
          {"AutoFlag", 0},
          {"HardwareResourceType", "host"},
          {"IsDynamicSpec", 0},
          {"DynamicPodSpec", ""},
          {"SupportModifyPayMode", 0},
          {"RootStorageType", n.spec.storage_type},
          {"Zone", c.zone},
          {"SubnetInfo", json::object{{"SubnetName", "subnet-emr"}, {"SubnetId", c.subnet_id}}},
          {"Clients", ""},
          {"CurrentTime", beijing_time(now_ms)},
          {"IsFederation", 0},
          {"DeviceName", ""},
          {"ServiceClient", ""},
          {"DisableApiTermination", false},
          {"TradeVersion", 1},
          {"ServicesStatus", status_text}};
}

json::object cvm_instance(const Instance& i, const std::string& state) {
  return {{"InstanceId", i.id},
          {"InstanceName", i.name},
          {"InstanceType", i.instance_type},
          {"InstanceState", state},
          {"CPU", i.cpu},
          {"Memory", i.mem_gb},
          {"Placement", json::object{{"Zone", i.zone}, {"ProjectId", 0}}},
          {"InstanceChargeType", "POSTPAID_BY_HOUR"},
          {"Tags", tags_json(i.tags, "Key", "Value")},
          {"CreatedTime", iso_utc(i.created_ms)},
          {"ExpiredTime", nullptr},
          {"PrivateIpAddresses", json::array{}},
          {"LatestOperation", state == "TERMINATING" ? "TerminateInstances" : ""},
          {"LatestOperationState", state == "TERMINATING" ? "OPERATING" : ""},
          {"DisableApiTermination", false}};
}

json::object cvm_instance_of_node(const Node& n, const Cluster& c) {
  Instance i;
  i.id = n.cvm_id;
  i.name = c.id + "-" + n.name_tag;
  i.instance_type = n.spec.instance_type.empty() ? n.spec.spec : n.spec.instance_type;
  i.zone = c.zone;
  i.cpu = n.spec.cpu;
  i.mem_gb = n.spec.mem_mb / 1024;
  i.tags = n.tags;
  i.created_ms = n.created_ms;
  json::object o = cvm_instance(i, "RUNNING");
  o["PrivateIpAddresses"] = json::array{json::value(n.ip)};
  return o;
}

json::object ecm_instance(const Instance& i, const std::string& state) {
  return {{"InstanceId", i.id},
          {"InstanceName", i.name},
          {"InstanceType", i.instance_type},
          {"InstanceState", state},
          {"CPU", i.cpu},
          {"Memory", i.mem_gb},
          {"Zone", i.zone},
          {"Tags", tags_json(i.tags, "Key", "Value")},
          {"CreatedTime", iso_utc(i.created_ms)},
          {"LatestOperation", state == "TERMINATING" ? "TerminateInstances" : ""},
          {"LatestOperationState", state == "TERMINATING" ? "OPERATING" : ""}};
}

}  // namespace tcplan::emulator::cloud
