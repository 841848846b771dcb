#include "emulator/cloud/fixture.h"

#include <toml++/toml.h>

#include <stdexcept>

#include "emulator/cloud/context.h"
#include "emulator/cloud/ids.h"
#include "emulator/cloud/operations.h"
#include "emulator/cloud/prices.h"
#include "emulator/cloud/regions.h"
#include "emulator/cloud/request_specs.h"

namespace tcplan::emulator::cloud {

namespace {

[[noreturn]] void bad(const std::filesystem::path& file, const std::string& where,
                      const std::string& what) {
  throw std::runtime_error("fixture " + file.string() + ": " + where + ": " + what);
}

std::vector<Tag> tags_of(const toml::table& t) {
  std::vector<Tag> tags;
  if (auto* tt = t["tags"].as_table())
    for (auto& [k, v] : *tt)
      tags.push_back({std::string(k.str()), v.value_or(std::string())});
  return tags;
}

NodeSpec spec_of(const toml::table& g, const std::filesystem::path& file,
                 const std::string& where) {
  NodeSpec s;
  s.instance_type = g["instance_type"].value_or(std::string("S5.2XLARGE16"));
  s.disk_type = g["disk_type"].value_or(s.disk_type);
  s.disk_gb = static_cast<int>(g["disk_size"].value_or(std::int64_t{s.disk_gb}));
  s.disk_count = static_cast<int>(g["disk_count"].value_or(std::int64_t{1}));
  s.root_gb = static_cast<int>(g["root_size"].value_or(std::int64_t{s.root_gb}));
  auto resolved = resolve_instance_type(s);
  if (!resolved) bad(file, where, "unknown instance_type " + s.instance_type);
  if (!node_hourly(*resolved)) bad(file, where, "unknown disk_type " + s.disk_type);
  return *resolved;
}

void load_instance(StateStore& db, const toml::table& t, const std::string& service,
                   const std::filesystem::path& file, const std::string& where, std::int64_t now) {
  Instance i;
  i.service = service;
  i.id = t["id"].value_or(std::string());
  const std::string_view kind = service == "cvm" ? kCvmId : kEcmId;
  if (!well_formed_id(i.id, kind))
    bad(file, where, "id must look like " + id_pattern(kind) + ", got '" + i.id + "'");
  if (db.instance(i.id) || db.node_by_cvm(i.id)) return;
  i.name = t["name"].value_or(i.id);
  i.instance_type = t["instance_type"].value_or(i.instance_type);
  i.zone = t["zone"].value_or(std::string("ap-guangzhou-3"));
  i.cpu = static_cast<int>(t["cpu"].value_or(std::int64_t{i.cpu}));
  i.mem_gb = static_cast<int>(t["memory"].value_or(std::int64_t{i.mem_gb}));
  if (!zone_info(i.zone)) bad(file, where, "unknown zone " + i.zone);
  i.tags = tags_of(t);
  i.created_ms = now;
  i.seq = db.next_counter("seq_counter", 1);
  db.put(i);
}

}  // namespace

void load_fixture(StateStore& db, const std::filesystem::path& file, const CloudOptions& options,
                  std::int64_t now_ms) {
  toml::table root;
  try {
    root = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    std::string where = e.source().begin ? std::to_string(e.source().begin.line) + ":" +
                                               std::to_string(e.source().begin.column)
                                         : "?";
    throw std::runtime_error("fixture " + file.string() + ":" + where + ": " +
                             std::string(e.description()));
  }
  ApiCall call;
  call.action = "Fixture";
  Context ctx{db, call, options, now_ms};
  if (auto* clusters = root["clusters"].as_array()) {
    for (std::size_t k = 0; k < clusters->size(); ++k) {
      std::string where = "clusters[" + std::to_string(k) + "]";
      auto* t = (*clusters)[k].as_table();
      if (!t) bad(file, where, "must be a table");
      Cluster c;
      c.id = (*t)["id"].value_or(std::string());
      if (!well_formed_id(c.id, kClusterId))
        bad(file, where, "id must look like " + id_pattern(kClusterId) + ", got '" + c.id + "'");
      if (db.cluster(c.id)) continue;
      c.num_id = db.next_counter("cluster_number", 100001);
      c.name = (*t)["name"].value_or(c.id);
      c.status = static_cast<int>((*t)["status"].value_or(std::int64_t{2}));
      c.emr_version = (*t)["product_version"].value_or(std::string("EMR-V3.5.0"));
      c.product_id = static_cast<int>((*t)["product_id"].value_or(std::int64_t{44}));
      auto zone = zone_info((*t)["zone"].value_or(std::string("ap-guangzhou-3")));
      if (!zone) bad(file, where, "unknown zone");
      c.region = zone->region;
      c.zone = zone->zone;
      c.zone_id = zone->zone_id;
      c.region_id = zone->region_id;
      c.project_id = static_cast<int>((*t)["project_id"].value_or(std::int64_t{0}));
      c.charge_type = static_cast<int>((*t)["charge_type"].value_or(std::int64_t{0}));
      c.support_ha = (*t)["support_ha"].value_or(false);
      c.vpc_id = (*t)["vpc_id"].value_or(std::string("vpc-fixture0"));
      c.subnet_id = (*t)["subnet_id"].value_or(std::string("subnet-fixture0"));
      if (auto* sw = (*t)["software"].as_array()) {
        for (auto& s : *sw)
          if (auto v = s.value<std::string>()) c.software.push_back(*v);
      } else {
        c.software = {"hdfs-3.2.2", "yarn-3.2.2", "zookeeper-3.6.3", "hive-3.1.3", "spark-3.2.2"};
      }
      c.tags = tags_of(*t);
      c.scheduler = (*t)["scheduler"].value_or(c.scheduler);
      if (c.scheduler != "fair" && c.scheduler != "capacity")
        bad(file, where, "scheduler must be fair or capacity, got '" + c.scheduler + "'");
      c.created_ms = now_ms;
      c.seq = db.next_counter("seq_counter", 1);
      std::vector<std::pair<int, int>> counts;
      for (const char* group : {"master", "core", "task", "router", "common"}) {
        int flag = node_flag_from_name(group);
        auto* g = (*t)[group].as_table();
        c.specs[flag] = g ? spec_of(*g, file, where + "." + group) : default_spec();
        int count = g ? static_cast<int>((*g)["count"].value_or(std::int64_t{0})) : 0;
        if (count < 0) bad(file, where + "." + group, "count must be >= 0");
        counts.emplace_back(flag, count);
      }
      for (auto [flag, count] : counts) {
        auto* g = (*t)[node_flag_lower(flag)].as_table();
        std::vector<Tag> tags = c.tags;
        if (g)
          for (auto& extra : tags_of(*g))
            tags.push_back(extra);
        for (int i = 0; i < count; ++i)
          db.put(new_node(ctx, c, flag, c.specs[flag], tags, c.charge_type));
      }
      db.put(c);
    }
  }
  for (auto [key, service] :
       {std::pair{"cvm_instances", "cvm"}, std::pair{"ecm_instances", "ecm"}}) {
    if (auto* list = root[key].as_array()) {
      for (std::size_t k = 0; k < list->size(); ++k) {
        std::string where = std::string(key) + "[" + std::to_string(k) + "]";
        auto* t = (*list)[k].as_table();
        if (!t) bad(file, where, "must be a table");
        load_instance(db, *t, service, file, where, now_ms);
      }
    }
  }
}

}  // namespace tcplan::emulator::cloud
