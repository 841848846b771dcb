#include "emulator/cloud/request_specs.h"

#include <boost/json.hpp>
#include <set>

#include "emulator/cloud/context.h"
#include "emulator/cloud/params.h"
#include "emulator/cloud/prices.h"

namespace tcplan::emulator::cloud {

namespace json = boost::json;

namespace {

const std::set<std::string> kSystemDiskTypes = {"CLOUD_SSD", "CLOUD_PREMIUM", "CLOUD_BASIC",
                                                "LOCAL_BASIC", "LOCAL_SSD"};
const std::set<std::string> kDataDiskTypes = {"CLOUD_SSD",        "CLOUD_PREMIUM", "CLOUD_BASIC",
                                              "LOCAL_BASIC",      "LOCAL_SSD",     "CLOUD_HSSD",
                                              "CLOUD_THROUGHPUT", "CLOUD_TSSD"};
const std::set<std::string> kResourceDiskTypes = {"CLOUD_SSD", "CLOUD_PREMIUM", "CLOUD_BASIC"};

int storage_type_of(const std::string& disk_type) {
  if (disk_type == "CLOUD_SSD") return 4;
  if (disk_type == "CLOUD_HSSD") return 6;
  if (disk_type == "CLOUD_THROUGHPUT") return 11;
  if (disk_type == "CLOUD_TSSD") return 12;
  return 5;
}

}  // namespace

NodeSpec default_spec() {
  NodeSpec s;
  s.instance_type = "S5.2XLARGE16";
  return *resolve_instance_type(s);
}

base::Result<Billing, ApiReply> billing_params(const json::object& params) {
  Billing b;
  auto pay_mode = opt_int(params, "PayMode");
  if (!pay_mode || (*pay_mode != 0 && *pay_mode != 1))
    return fail("InvalidParameter.InvalidPaymode", "PayMode must be 0 (hourly) or 1 (monthly).");
  b.pay_mode = static_cast<int>(*pay_mode);
  b.time_unit = str_or(params, "TimeUnit", b.pay_mode == 0 ? "s" : "m");
  b.time_span = int_or(params, "TimeSpan", b.pay_mode == 0 ? 3600 : 1);
  if (b.pay_mode == 0) {
    if (b.time_unit != "s")
      return fail("InvalidParameter.InvalidTimeUnit", "TimeUnit must be \"s\" when PayMode is 0.");
    if (b.time_span != 3600)
      return fail("InvalidParameter.InvalidTimeSpan", "TimeSpan must be 3600 when PayMode is 0.");
  } else {
    if (b.time_unit != "m")
      return fail("InvalidParameter.InvalidTimeUnit", "TimeUnit must be \"m\" when PayMode is 1.");
    static const std::set<std::int64_t> kMonths = {1, 2,  3,  4,  5,  6,  7,  8,
                                                   9, 10, 11, 12, 24, 36, 48, 60};
    if (!kMonths.count(b.time_span))
      return fail("InvalidParameter.InvalidTimeSpan",
                  "TimeSpan must be 1-12, 24, 36, 48 or 60 months when PayMode is 1.");
  }
  return b;
}

std::optional<ApiReply> check_currency(const json::object& params, bool required) {
  auto currency = opt_str(params, "Currency");
  if (!currency && !required) return std::nullopt;
  if (!currency || *currency != "CNY")
    return fail("InvalidParameterValue", "Currency must be CNY.");
  return std::nullopt;
}

base::Result<NodeSpec, ApiReply> spec_from_resource(const json::object& r) {
  NodeSpec s;
  s.spec = str_or(r, "Spec");
  s.instance_type = str_or(r, "InstanceType");
  s.cpu = static_cast<int>(int_or(r, "Cpu", 0));
  s.mem_mb = static_cast<int>(int_or(r, "MemSize", 0));
  s.disk_type = str_or(r, "DiskType", "CLOUD_PREMIUM");
  s.disk_gb = static_cast<int>(int_or(r, "DiskSize", 100));
  s.root_gb = static_cast<int>(int_or(r, "RootSize", 50));
  s.storage_type = static_cast<int>(int_or(r, "StorageType", storage_type_of(s.disk_type)));
  s.root_disk_type = "CLOUD_PREMIUM";
  if (!kResourceDiskTypes.count(s.disk_type))
    return fail("InvalidParameter.InvalidResourceSpec", "Unknown DiskType " + s.disk_type + ".");
  if (s.disk_gb <= 0 || s.root_gb < 0)
    return fail("InvalidParameter.InvalidDiskSize", "DiskSize must be positive.");
  if (!s.instance_type.empty()) {
    auto resolved = resolve_instance_type(s);
    if (!resolved) return fail(resolved.error(), "Unknown InstanceType " + s.instance_type + ".");
    s = *resolved;
  } else {
    if (s.cpu <= 0 || s.mem_mb <= 0)
      return fail("InvalidParameter.InvalidResourceSpec", "Cpu and MemSize must be positive.");
    auto resolved = resolve_instance_type(s);
    if (!resolved) return fail(resolved.error(), "Unknown Spec " + s.spec + ".");
  }
  return s;
}

base::Result<NodeSpec, ApiReply> spec_from_node_resource_spec(const json::object& r) {
  NodeSpec s;
  s.instance_type = str_or(r, "InstanceType");
  auto resolved = resolve_instance_type(s);
  if (!resolved)
    return fail("InvalidParameter.InvalidInstanceType",
                "Unknown InstanceType " + s.instance_type + ".");
  s = *resolved;
  if (auto* sys = list(r, "SystemDisk")) {
    if (sys->size() > 1)
      return fail("InvalidParameter.InvalidResourceSpec", "At most one SystemDisk.");
    if (!sys->empty() && sys->front().is_object()) {
      const auto& d = sys->front().as_object();
      s.root_disk_type = str_or(d, "DiskType", s.root_disk_type);
      s.root_gb = static_cast<int>(int_or(d, "DiskSize", s.root_gb));
      if (!kSystemDiskTypes.count(s.root_disk_type))
        return fail("InvalidParameter.InvalidResourceSpec",
                    "Unknown system DiskType " + s.root_disk_type + ".");
    }
  }
  if (auto* data = list(r, "DataDisk")) {
    if (data->size() > 15) return fail("InvalidParameter.InvalidDiskNum", "At most 15 DataDisk.");
    if (!data->empty() && data->front().is_object()) {
      const auto& d = data->front().as_object();
      s.disk_type = str_or(d, "DiskType", s.disk_type);
      s.disk_gb = static_cast<int>(int_or(d, "DiskSize", s.disk_gb));
      s.disk_count = static_cast<int>(int_or(d, "Count", 1));
      if (!kDataDiskTypes.count(s.disk_type))
        return fail("InvalidParameter.InvalidResourceSpec",
                    "Unknown data DiskType " + s.disk_type + ".");
      if (s.disk_gb <= 0 || s.disk_count <= 0)
        return fail("InvalidParameter.InvalidDiskNum",
                    "DataDisk Count and DiskSize must be positive.");
    }
  }
  s.storage_type = storage_type_of(s.disk_type);
  return s;
}

}  // namespace tcplan::emulator::cloud
