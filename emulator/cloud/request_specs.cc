#include "emulator/cloud/request_specs.h"

#include <boost/json.hpp>
#include <cctype>
#include <set>

#include "api/node_types.h"
#include "api/param_rules.h"
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

}  // namespace

NodeSpec default_spec() {
  NodeSpec s;
  s.instance_type = "S5.2XLARGE16";
  return *resolve_instance_type(s);
}

base::Result<Billing, ApiReply> billing_params(const json::object& params) {
  const api::Catalog& catalog = api::Catalog::builtin();
  auto pay_mode = opt_int(params, "PayMode");
  const api::PayModeTerms* terms = pay_mode ? catalog.pay_mode(*pay_mode) : nullptr;
  if (terms == nullptr) {
    // An absent PayMode is as invalid as an unknown one; the message names what is allowed.
    auto v = api::check_pay_mode(catalog, pay_mode.value_or(-1), nullptr, nullptr);
    return fail(v->code, pay_mode ? v->message + "." : "PayMode is missing.");
  }
  Billing b;
  b.pay_mode = static_cast<int>(*pay_mode);
  // Absent TimeUnit/TimeSpan take the only values the pay mode allows (the front has already
  // refused requests without them where the docs require them).
  b.time_unit = str_or(params, "TimeUnit", terms->time_unit);
  b.time_span = int_or(params, "TimeSpan", terms->time_spans.front());
  if (auto v = api::check_pay_mode(catalog, b.pay_mode, &b.time_unit, &b.time_span))
    return fail(v->code, v->message + ".");
  return b;
}

std::optional<ApiReply> charge_type_violation(const json::object& params,
                                              std::string_view node_flag) {
  std::optional<std::int64_t> period;
  if (const auto* prepaid = sub(params, "InstanceChargePrepaid"))
    period = opt_int(*prepaid, "Period");
  std::string flag(node_flag);
  for (char& ch : flag)
    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (auto v = api::check_charge_type(api::Catalog::builtin(), str_or(params, "InstanceChargeType"),
                                      flag, period))
    return fail(v->code, v->message + ".");
  return std::nullopt;
}

bool prepaid_charge(std::string_view charge_type) {
  const api::ChargeType* c = api::Catalog::builtin().charge_type(charge_type);
  return c != nullptr && c->prepaid_pay_mode.has_value();
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
  s.storage_type = static_cast<int>(int_or(r, "StorageType", api::storage_type_of(s.disk_type)));
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
  s.storage_type = api::storage_type_of(s.disk_type);
  return s;
}

}  // namespace tcplan::emulator::cloud
