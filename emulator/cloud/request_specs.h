// Parsing and checking the billing and hardware parts of requests, shared by the create,
// scale-out and price actions: PayMode/TimeUnit/TimeSpan, the old API's Resource and the new
// API's NodeResourceSpec, each refused with the code the docs give for it.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "base/result.h"
#include "emulator/cloud.h"
#include "emulator/cloud/model.h"

namespace tcplan::emulator::cloud {

struct Billing {
  int pay_mode = 0;  // 0 hourly, 1 monthly
  std::int64_t time_span = 3600;
  std::string time_unit = "s";
};

// PayMode 0 needs TimeUnit "s" and TimeSpan 3600; PayMode 1 needs "m" and 1-12, 24, 36, 48 or
// 60 months. InvalidParameter.InvalidPaymode / InvalidTimeUnit / InvalidTimeSpan otherwise.
base::Result<Billing, ApiReply> billing_params(const boost::json::object& params);

// Currency: only CNY is sold (sdk-behaviour.md §1.4).
std::optional<ApiReply> check_currency(const boost::json::object& params, bool required);

// Old API Resource {Spec, StorageType, DiskType, MemSize, Cpu, DiskSize, RootSize, InstanceType}.
base::Result<NodeSpec, ApiReply> spec_from_resource(const boost::json::object& resource);
// New API NodeResourceSpec {InstanceType, SystemDisk[], DataDisk[], LocalDataDisk[]}.
base::Result<NodeSpec, ApiReply> spec_from_node_resource_spec(const boost::json::object& spec);

// A spec for a node type nobody described: S5.2XLARGE16 with 100 GB premium disk.
NodeSpec default_spec();

}  // namespace tcplan::emulator::cloud
