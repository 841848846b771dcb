// CreateInstance (old API) and CreateCluster (new API): both build a NewCluster from their own
// parameter shapes, then create it the same way: status 3 with its nodes, and a "create" flow
// that takes it to 2 (or 301 when the fault script fails it).
#include <boost/json.hpp>
#include <map>

#include "emulator/cloud/actions.h"
#include "emulator/cloud/ids.h"
#include "emulator/cloud/operations.h"
#include "emulator/cloud/params.h"
#include "emulator/cloud/regions.h"
#include "emulator/cloud/request_specs.h"

namespace tcplan::emulator::cloud {

namespace json = boost::json;

namespace {

// CreateInstance's ProductId list, as the EMR reference prints it (EMR API, CreateInstance);
// CreateCluster names the same versions by ProductVersion.
const std::map<int, std::string>& products() {
  static const std::map<int, std::string> kProducts = {
      {16, "EMR-V2.3.0"}, {20, "EMR-V2.5.0"},      {25, "EMR-V3.1.0"},   {27, "KAFKA-V1.0.0"},
      {30, "EMR-V2.6.0"}, {33, "EMR-V3.2.1"},      {34, "EMR-V3.3.0"},   {37, "EMR-V3.4.0"},
      {38, "EMR-V2.7.0"}, {44, "EMR-V3.5.0"},      {50, "KAFKA-V2.0.0"}, {51, "STARROCKS-V1.4.0"},
      {53, "EMR-V3.6.0"}, {54, "STARROCKS-V2.0.0"}};
  return kProducts;
}

struct NewCluster {
  std::string name;
  int product_id = 0;
  std::string emr_version;
  std::vector<std::string> software;
  ZoneInfo zone;
  int project_id = 0;
  int charge_type = 0;
  bool support_ha = false;
  std::string vpc_id;
  std::string subnet_id;
  std::vector<Tag> tags;
  std::map<int, NodeSpec> specs;
  std::map<int, int> counts;
};

std::size_t utf8_length(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

// The rule CreateCluster's InstanceName documents (EMR API, CreateCluster); refused with
// InvalidParameter.InvalidInstanceName, the code both create actions list.
// 6-36 characters: letters, digits, '-', '_' and (multi-byte) Chinese characters.
bool valid_cluster_name(const std::string& name) {
  std::size_t len = utf8_length(name);
  if (len < 6 || len > 36) return false;
  for (unsigned char c : name)
    if (!(std::isalnum(c) || c == '-' || c == '_' || c >= 0x80)) return false;
  return true;
}

// The docs give no password rule, only InvalidParameter.InvalidPassword; this one is the
// emulator's (docs/emulator-model.md, "Business errors").
// 8-16 of letters, digits and !@%^*, not starting with a special character.
bool valid_password(const std::string& p) {
  if (p.size() < 8 || p.size() > 16) return false;
  static const std::string kSpecial = "!@%^*";
  if (kSpecial.find(p.front()) != std::string::npos) return false;
  for (unsigned char c : p)
    if (!std::isalnum(c) && kSpecial.find(static_cast<char>(c)) == std::string::npos) return false;
  return true;
}

std::optional<ApiReply> check_login(const json::object& params, const char* bad_password_code,
                                    const char* missing_code) {
  auto* login = sub(params, "LoginSettings");
  auto password = login ? opt_str(*login, "Password") : std::nullopt;
  auto key = login ? opt_str(*login, "PublicKeyId") : std::nullopt;
  if ((!password || password->empty()) && (!key || key->empty()))
    return fail(missing_code, "LoginSettings needs a Password or a PublicKeyId.");
  if (password && !password->empty() && !valid_password(*password))
    return fail(bad_password_code,
                "The password must be 8-16 letters, digits and !@%^*, not starting with a "
                "special character.");
  return std::nullopt;
}

std::optional<ApiReply> check_counts(const NewCluster& c) {
  auto count = [&](int flag) {
    auto it = c.counts.find(flag);
    return it == c.counts.end() ? 0 : it->second;
  };
  // Codes from the create actions' error lists (EMR API, CreateInstance and CreateCluster);
  // the counts are the emulator's reading of them (docs/emulator-model.md).
  if (c.support_ha && count(kMaster) != 2)
    return fail("InvalidParameter.HALessMasterCount",
                "An HA cluster needs exactly 2 master nodes.");
  if (!c.support_ha && count(kMaster) != 1)
    return fail("InvalidParameter.IncorrectMasterCount",
                "A non-HA cluster needs exactly 1 master node.");
  int min_core = c.support_ha ? 3 : 2;
  if (count(kCore) < min_core)
    return fail("InvalidParameter.InvalidCoreCount",
                "The cluster needs at least " + std::to_string(min_core) + " core nodes.");
  for (auto& [flag, n] : c.counts)
    if (n < 0) return fail("InvalidParameter.InvalidCount", "Node counts cannot be negative.");
  return std::nullopt;
}

base::Result<ZoneInfo, ApiReply> placement_zone(Context& ctx, const json::object* placement) {
  std::string zone = placement ? str_or(*placement, "Zone") : std::string();
  std::optional<ZoneInfo> info = zone.empty() ? default_zone(ctx.call.region) : zone_info(zone);
  if (!info || (!ctx.call.region.empty() && info->region != ctx.call.region))
    return fail("InvalidParameter.InvalidZone", "Zone " + (zone.empty() ? "(none)" : zone) +
                                                    " is not a zone of region " + ctx.call.region +
                                                    ".");
  return *info;
}

ApiReply create(Context& ctx, NewCluster nc) {
  if (auto e = check_counts(nc)) return *e;
  Cluster c;
  c.id = new_id(ctx.db, "emr-", ctx.options.seed);
  c.num_id = ctx.db.next_counter("cluster_number", 100001);
  c.name = nc.name;
  c.product_id = nc.product_id;
  c.emr_version = nc.emr_version;
  c.software = nc.software;
  c.region = nc.zone.region;
  c.zone = nc.zone.zone;
  c.zone_id = nc.zone.zone_id;
  c.region_id = nc.zone.region_id;
  c.project_id = nc.project_id;
  c.charge_type = nc.charge_type;
  c.support_ha = nc.support_ha;
  c.vpc_id = nc.vpc_id.empty() ? new_id(ctx.db, "vpc-", ctx.options.seed) : nc.vpc_id;
  c.subnet_id = nc.subnet_id.empty() ? new_id(ctx.db, "subnet-", ctx.options.seed) : nc.subnet_id;
  c.tags = nc.tags;
  c.specs = nc.specs;
  for (int flag : {kMaster, kCore, kTask, kCommon, kRouter})
    if (!c.specs.count(flag))
      c.specs[flag] = c.specs.count(kCore) ? c.specs[kCore] : default_spec();
  c.created_ms = ctx.now;
  c.seq = ctx.db.next_counter("seq_counter", 1);
  for (int flag : {kMaster, kCore, kTask, kCommon, kRouter}) {
    for (int i = 0; i < nc.counts[flag]; ++i)
      ctx.db.put(new_node(ctx, c, flag, c.specs[flag], c.tags, c.charge_type));
  }
  FlowStart start;
  start.kind = "create";
  start.name = "Create Cluster";
  start.desc = {{"ClusterName", c.name}, {"EmrVersion", c.emr_version}};
  // Cluster status 3 "creating", then 2 "running" or 301 "creation failed" (docs/cloud-api.md,
  // "Cluster status"). Creates return no FlowId: callers wait on the status.
  start.status_during = 3;
  start.status_on_success = 2;
  start.status_on_failure = 301;
  start_flow(ctx, c, std::move(start));
  ctx.resources_created = 1;
  return ok({{"InstanceId", c.id}});
}

}  // namespace

ApiReply create_instance(Context& ctx) {
  const auto& p = ctx.params();
  NewCluster nc;
  nc.product_id = static_cast<int>(int_or(p, "ProductId", -1));
  auto product = products().find(nc.product_id);
  if (product == products().end())
    return fail("InvalidParameter.InvalidProductId", "Unknown ProductId.");
  nc.emr_version = product->second;
  nc.software = strings(p, "Software");
  if (nc.software.empty())
    return fail("InvalidParameter.InvalidSoftWare", "Software must name at least one component.");
  auto ha = opt_int(p, "SupportHA");
  if (!ha || (*ha != 0 && *ha != 1))
    return fail("InvalidParameter.InvalidSupportHA", "SupportHA must be 0 or 1.");
  nc.support_ha = *ha == 1;
  nc.name = str_or(p, "InstanceName");
  if (!valid_cluster_name(nc.name))
    return fail("InvalidParameter.InvalidInstanceName",
                "InstanceName must be 6-36 letters, digits, '-' or '_'.");
  auto billing = billing_params(p);
  if (!billing) return billing.error();
  nc.charge_type = billing->pay_mode;
  if (auto e = check_login(p, "InvalidParameter.InvalidPassword",
                           "InvalidParameter.InvalidLoginSetting"))
    return *e;
  auto* placement = sub(p, "Placement");
  auto zone = placement_zone(ctx, placement);
  if (!zone) return zone.error();
  nc.zone = *zone;
  nc.project_id = placement ? static_cast<int>(int_or(*placement, "ProjectId", 0)) : 0;
  if (nc.project_id < 0)
    return fail("InvalidParameter.InvalidProjectId", "ProjectId must be >= 0.");
  if (auto* vpc = sub(p, "VPCSettings")) {
    nc.vpc_id = str_or(*vpc, "VpcId");
    nc.subnet_id = str_or(*vpc, "SubnetId");
    if (nc.vpc_id.rfind("vpc-", 0) != 0)
      return fail("InvalidParameter.InvalidVpcId", "Invalid VpcId.");
    if (nc.subnet_id.rfind("subnet-", 0) != 0)
      return fail("InvalidParameter.InvalidSubnetId", "Invalid SubnetId.");
  }
  auto tags = request_tags(p);
  if (!tags) return tags.error();
  nc.tags = *tags;
  // Without a ResourceSpec the smallest valid cluster: the counts check_counts requires.
  nc.counts = {
      {kMaster, nc.support_ha ? 2 : 1}, {kCore, 2}, {kTask, 0}, {kCommon, nc.support_ha ? 3 : 0}};
  if (auto* rs = sub(p, "ResourceSpec")) {
    static const std::pair<int, const char*> kParts[] = {
        {kMaster, "Master"}, {kCore, "Core"}, {kTask, "Task"}, {kCommon, "Common"}};
    for (auto& [flag, part] : kParts) {
      if (auto n = opt_int(*rs, std::string(part) + "Count"))
        nc.counts[flag] = static_cast<int>(*n);
      if (auto* r = sub(*rs, std::string(part) + "ResourceSpec")) {
        auto spec = spec_from_resource(*r);
        if (!spec) return spec.error();
        nc.specs[flag] = *spec;
      }
    }
  }
  return create(ctx, std::move(nc));
}

ApiReply create_cluster(Context& ctx) {
  const auto& p = ctx.params();
  NewCluster nc;
  nc.emr_version = str_or(p, "ProductVersion");
  for (auto& [id, version] : products())
    if (version == nc.emr_version) nc.product_id = id;
  if (nc.product_id == 0)
    return fail("InvalidParameter.InvalidProductVersion",
                "Unknown ProductVersion " + nc.emr_version + ".");
  nc.support_ha = opt_bool(p, "EnableSupportHAFlag").value_or(false);
  nc.name = str_or(p, "InstanceName");
  if (!valid_cluster_name(nc.name))
    return fail("InvalidParameter.InvalidInstanceName",
                "InstanceName must be 6-36 letters, digits, '-' or '_'.");
  // CreateCluster's own list (no SPOTPAID) is its param's `allowed`, which the front checks;
  // the rule adds the prepaid period (docs/cloud-api.md, "Billing").
  const std::string charge = str_or(p, "InstanceChargeType");
  if (auto v = charge_type_violation(p, "")) return *v;
  nc.charge_type = prepaid_charge(charge) ? 1 : 0;
  if (auto e =
          check_login(p, "InvalidParameter.InvalidPassword", "InvalidParameter.InvalidPassword"))
    return *e;
  auto* scene = sub(p, "SceneSoftwareConfig");
  if (scene) nc.software = strings(*scene, "Software");
  if (nc.software.empty())
    return fail("InvalidParameter.InvalidSoftInfo",
                "SceneSoftwareConfig.Software must name components.");
  auto tags = request_tags(p);
  if (!tags) return tags.error();
  nc.tags = *tags;
  auto* zones = list(p, "ZoneResourceConfiguration");
  if (!zones || zones->empty() || !zones->front().is_object())
    return fail("InvalidParameter.InvalidAllNodeResourceSpec",
                "ZoneResourceConfiguration must describe the cluster's nodes.");
  const auto& zrc = zones->front().as_object();
  auto* placement = sub(zrc, "Placement");
  auto zone = placement_zone(ctx, placement);
  if (!zone) return zone.error();
  nc.zone = *zone;
  nc.project_id = placement ? static_cast<int>(int_or(*placement, "ProjectId", 0)) : 0;
  if (auto* vpc = sub(zrc, "VirtualPrivateCloud")) {
    nc.vpc_id = str_or(*vpc, "VpcId");
    nc.subnet_id = str_or(*vpc, "SubnetId");
  }
  auto* all = sub(zrc, "AllNodeResourceSpec");
  if (!all)
    return fail("InvalidParameter.InvalidAllNodeResourceSpec", "AllNodeResourceSpec is required.");
  static const std::tuple<int, const char*, const char*> kParts[] = {
      {kMaster, "Master", "InvalidParameter.InvalidMasterDiskType"},
      {kCore, "Core", "InvalidParameter.InvalidCoreDiskType"},
      {kTask, "Task", "InvalidParameter.InvalidResourceSpec"},
      {kCommon, "Common", "InvalidParameter.InvalidResourceSpec"}};
  for (auto& [flag, part, disk_code] : kParts) {
    nc.counts[flag] = static_cast<int>(int_or(*all, std::string(part) + "Count", 0));
    auto* r = sub(*all, std::string(part) + "ResourceSpec");
    if (!r) {
      if (nc.counts[flag] > 0)
        return fail("InvalidParameter.InvalidAllNodeResourceSpec",
                    std::string(part) + "ResourceSpec is required when " + part + "Count > 0.");
      continue;
    }
    auto spec = spec_from_node_resource_spec(*r);
    if (!spec) {
      ApiReply e = spec.error();
      if (e.error_code == "InvalidParameter.InvalidResourceSpec") e.error_code = disk_code;
      return e;
    }
    nc.specs[flag] = *spec;
  }
  return create(ctx, std::move(nc));
}

}  // namespace tcplan::emulator::cloud
