// Parsing and checking the billing and hardware parts of requests, shared by the create,
// scale-out and price actions: PayMode/TimeUnit/TimeSpan, the old API's Resource and the new
// API's NodeResourceSpec, each refused with the code the docs give for it.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "emulator/cloud.h"
#include "emulator/cloud/model.h"

namespace tcplan::emulator::cloud {

struct Billing {
  int pay_mode = 0;  // 0 hourly, 1 monthly
  std::int64_t time_span = 3600;
  std::string time_unit = "s";
};

// PayMode with its TimeUnit and TimeSpan, by the catalog's rule (api::check_pay_mode: 0 takes
// "s" and 3600, 1 takes "m" and a month count): InvalidParameter.InvalidPaymode /
// InvalidTimeUnit / InvalidTimeSpan otherwise, the codes the EMR docs list for these params.
base::Result<Billing, ApiReply> billing_params(const boost::json::object& params);

// InstanceChargeType by the catalog's rule (api::check_charge_type), with the node type it buys
// (ScaleOutNodeConfig.NodeFlag, any case; empty for a create) and InstanceChargePrepaid.Period:
// InvalidParameter.InvalidInstanceChargeType when refused.
std::optional<ApiReply> charge_type_violation(const boost::json::object& params,
                                              std::string_view node_flag);
// Whether the charge type is bought in advance (PREPAID): Cluster/Node charge_type 1.
bool prepaid_charge(std::string_view charge_type);

// Currency: only CNY is sold (docs/cloud-api.md, "Prices").
std::optional<ApiReply> check_currency(const boost::json::object& params, bool required);

// Old API Resource {Spec, StorageType, DiskType, MemSize, Cpu, DiskSize, RootSize, InstanceType}.
base::Result<NodeSpec, ApiReply> spec_from_resource(const boost::json::object& resource);
// New API NodeResourceSpec {InstanceType, SystemDisk[], DataDisk[], LocalDataDisk[]}.
base::Result<NodeSpec, ApiReply> spec_from_node_resource_spec(const boost::json::object& spec);

// A spec for a node type nobody described: S5.2XLARGE16 with 100 GB premium disk.
NodeSpec default_spec();

}  // namespace tcplan::emulator::cloud
