// The emulator's model of the cloud: EMR clusters, their nodes, the flows that change them, and
// plain CVM/ECM instances. Each is stored as one JSON document per row (see state_store.h);
// to_json/from_json here define that document, which /_emulator/state also shows.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace tcplan::emulator::cloud {

struct Tag {
  std::string key;
  std::string value;
};

// NodeHardwareInfo.Flag. Router is undocumented; we use 5 (documented in emulator-model.md).
enum NodeFlag : int { kCommon = 0, kMaster = 1, kCore = 2, kTask = 3, kRouter = 5 };

// "MASTER" / "master" / "Master" -> flag; -1 when unknown.
int node_flag_from_name(std::string name);
std::string node_flag_lower(int flag);  // "master", "core", ...

// One node type's hardware, as either the old API (Resource: Spec + Cpu + MemSize) or the new
// one (NodeResourceSpec: InstanceType + disks) describes it.
struct NodeSpec {
  std::string instance_type;  // "S5.2XLARGE16"; empty when only Spec/Cpu/MemSize were given
  std::string spec;           // "CVM.S5"
  int cpu = 0;
  int mem_mb = 0;
  std::string disk_type = "CLOUD_PREMIUM";  // data disks
  int disk_gb = 100;
  int disk_count = 1;
  std::string root_disk_type = "CLOUD_PREMIUM";
  int root_gb = 50;
  int storage_type = 5;
};

struct Node {
  std::string resource_id;  // emr-vm-xxxxxxxx (EmrResourceId; what TerminateTasks takes)
  std::string cvm_id;       // ins-xxxxxxxx (OrderNo; what TerminateClusterNodes takes)
  std::string cluster_id;
  int flag = kCore;
  std::string name_tag;  // "core.0"
  NodeSpec spec;
  std::string ip;
  std::vector<Tag> tags;
  int charge_type = 0;  // 0 postpaid, 1 prepaid
  std::int64_t created_ms = 0;
  std::int64_t seq = 0;
};

struct Cluster {
  std::string id;  // emr-xxxxxxxx
  std::int64_t num_id = 0;
  std::string name;
  int status = 2;
  int product_id = 0;
  std::string emr_version;
  std::vector<std::string> software;
  std::string region;
  std::string zone;
  int zone_id = 0;
  int region_id = 0;
  int project_id = 0;
  int charge_type = 0;  // 0 postpaid, 1 prepaid
  bool support_ha = false;
  std::string vpc_id;
  std::string subnet_id;
  std::vector<Tag> tags;
  std::map<int, NodeSpec> specs;  // by NodeFlag: what scale-outs of that type get
  std::map<int, int> next_index;  // by NodeFlag: the next NameTag number
  std::int64_t created_ms = 0;
  std::int64_t active_flow = 0;  // the unsettled flow holding the cluster, 0 when none
  bool terminated = false;
  std::int64_t terminated_ms = 0;
  std::string scheduler = "capacity";  // YARN scheduler in service
  std::string fair_config;             // last ModifyResourceScheduleConfig values
  std::string fair_plan;
  std::string capacity_config;
  std::int64_t seq = 0;
};

struct Stage {
  std::string key;   // "applyResource"
  std::string name;  // "Apply for resources"
  std::int64_t duration_ms = 0;
};

// A flow is decided when it starts: its stages and their durations, its outcome (2, 3, -1, -3,
// from the fault script) and its effects. What a caller sees at time t is computed from these
// (flows.h), and the effects are applied once, lazily, when t passes the flow's effect time.
struct Flow {
  std::int64_t id = 0;
  std::string trace_id;
  std::string cluster_id;
  std::string action;  // the API action that started it
  std::string kind;    // create, scale_out, scale_in, restart, service, terminate
  std::string name;    // FlowName, "Scale Out Task"
  std::vector<std::pair<std::string, std::string>> desc;  // FlowDesc PKey/PValue
  std::int64_t start_ms = 0;
  std::vector<Stage> stages;
  int outcome = 2;       // 2 finished, 3 finished with a skipped stage, -1 failed, -3 blocked
  int fault_stage = -1;  // the stage that fails, blocks or is skipped
  std::string failed_reason;
  int status_on_success = 2;
  int status_on_failure = 2;
  std::vector<Node> add_nodes;
  std::vector<std::string> remove_nodes;  // resource ids
  bool terminate_cluster = false;
  bool settled = false;
};

// A plain CVM (ins-) or ECM (ein-) instance. Termination is a time, not a deletion, so every
// reader agrees on what a given moment looks like.
struct Instance {
  std::string id;
  std::string service;  // "cvm" or "ecm"
  std::string name;
  std::string instance_type = "S5.MEDIUM4";
  std::string zone;
  int cpu = 2;
  int mem_gb = 4;
  std::vector<Tag> tags;
  std::int64_t created_ms = 0;
  std::int64_t terminate_at_ms = -1;  // when it starts terminating; -1 = never requested
  std::int64_t seq = 0;
};

boost::json::object to_json(const NodeSpec& s);
boost::json::object to_json(const Node& n);
boost::json::object to_json(const Cluster& c);
boost::json::object to_json(const Flow& f);
boost::json::object to_json(const Instance& i);
boost::json::array tags_json(const std::vector<Tag>& tags, const char* key = "TagKey",
                             const char* value = "TagValue");

NodeSpec node_spec_from_json(const boost::json::object& o);
Node node_from_json(const boost::json::object& o);
Cluster cluster_from_json(const boost::json::object& o);
Flow flow_from_json(const boost::json::object& o);
Instance instance_from_json(const boost::json::object& o);
std::vector<Tag> tags_from_json(const boost::json::value& v, const char* key = "TagKey",
                                const char* value = "TagValue");

}  // namespace tcplan::emulator::cloud
