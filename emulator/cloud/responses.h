// The documented output structures built from the model: ClusterInstancesInfo (DescribeInstances),
// EmrListInstance (DescribeInstancesList), NodeHardwareInfo (DescribeClusterNodes), and the CVM /
// ECM Instance objects of their DescribeInstances. Field names and JSON types follow
// the EMR reference's "Data Types" exactly, since tcplan parses them.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <vector>

#include "emulator/cloud/model.h"

namespace tcplan::emulator::cloud {

boost::json::object cluster_instances_info(const Cluster& c, const std::vector<Node>& nodes,
                                           std::int64_t now_ms);
boost::json::object emr_list_instance(const Cluster& c, std::int64_t now_ms);
boost::json::object node_hardware_info(const Node& n, const Cluster& c, std::int64_t now_ms);
boost::json::object outter_resource(const NodeSpec& s);
std::string status_text(int status);

// CVM 2017-03-12 / ECM 2019-07-19 Instance objects (the fields tcplan and tccli read).
boost::json::object cvm_instance(const Instance& i, const std::string& state);
boost::json::object cvm_instance_of_node(const Node& n, const Cluster& c);
boost::json::object ecm_instance(const Instance& i, const std::string& state);

}  // namespace tcplan::emulator::cloud
