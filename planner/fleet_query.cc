// Fleet queries (fleet_query.h): reading one from a plan, matching clusters, resolving it.
#include "planner/fleet_query.h"

#include <algorithm>
#include <boost/json/value.hpp>

#include "api/catalog.h"
#include "planner/plan_reader.h"

namespace tcplan::planner {

namespace json = boost::json;

namespace {

std::string text_of(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::optional<std::int64_t> int_of(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  if (v->is_double()) return static_cast<std::int64_t>(v->as_double());
  return std::nullopt;
}

bool has_tag(const json::object& cluster, const std::string& key, const std::string& value) {
  const json::value* tags = cluster.if_contains("Tags");
  if (tags == nullptr || !tags->is_array()) return false;
  for (const auto& t : tags->as_array()) {
    if (!t.is_object()) continue;
    if (text_of(t.as_object(), "TagKey") != key) continue;
    if (value == "*" || text_of(t.as_object(), "TagValue") == value) return true;
  }
  return false;
}

}  // namespace

bool fleet_matches(const FleetQuery& q, const json::object& cluster) {
  for (const auto& [key, value] : q.tags) {
    if (!has_tag(cluster, key, value)) return false;
  }
  if (!q.name_prefix.empty() && !text_of(cluster, "ClusterName").starts_with(q.name_prefix)) {
    return false;
  }
  if (q.status && int_of(cluster, "Status") != q.status) return false;
  if (!q.product_version.empty() && text_of(cluster, "EmrVersion") != q.product_version) {
    return false;
  }
  if (q.product_id && int_of(cluster, "ProductId") != q.product_id) return false;
  return true;
}

json::array match_fleet(const FleetQuery& q, const json::array& clusters) {
  std::vector<std::string> ids;
  for (const auto& c : clusters) {
    if (!c.is_object() || !fleet_matches(q, c.as_object())) continue;
    std::string id = text_of(c.as_object(), "ClusterId");
    if (!id.empty()) ids.push_back(std::move(id));
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  json::array out;
  for (auto& id : ids)
    out.push_back(json::value(id));
  return out;
}

std::string describe_query(const FleetQuery& q) {
  std::string out;
  auto add = [&](const std::string& part) { out += (out.empty() ? "" : ", ") + part; };
  for (const auto& [key, value] : q.tags)
    add("tag " + key + "=" + value);
  if (!q.name_prefix.empty()) add("name " + q.name_prefix + "*");
  if (q.status) add("status " + std::to_string(*q.status));
  if (!q.product_version.empty()) add("product " + q.product_version);
  if (q.product_id) add("product id " + std::to_string(*q.product_id));
  return out;
}

json::object query_json(const FleetQuery& q) {
  json::object out;
  if (!q.tags.empty()) {
    json::object tags;
    for (const auto& [key, value] : q.tags)
      tags[key] = value;
    out["tags"] = std::move(tags);
  }
  if (!q.name_prefix.empty()) out["name_prefix"] = q.name_prefix;
  if (q.status) out["status"] = *q.status;
  if (!q.product_version.empty()) out["product"] = q.product_version;
  if (q.product_id) out["product"] = *q.product_id;
  return out;
}

bool read_fleet_query(PlanReader& r, const toml::table& t, FleetQuery* q) {
  Diagnostics& d = r.diags();
  q->at = where(t);
  r.check_keys(t, {"tags", "name_prefix", "status", "product"}, "in a for_each query");
  if (const toml::node* n = t.get("tags")) {
    if (const toml::table* tags = n->as_table()) {
      for (auto&& [k, v] : *tags) {
        if (const auto* s = v.as_string()) {
          q->tags.emplace_back(std::string(k.str()), s->get());
        } else {
          r.type_error(v, "tags." + std::string(k.str()), "a string (the tag's value, or \"*\")");
        }
      }
      if (tags->empty()) d.error(where(*n), "for_each query: 'tags' is empty");
    } else {
      r.type_error(*n, "tags", "a table of tag key = value (e.g. { team = \"data\" })");
    }
  }
  r.get_string(t, "name_prefix", &q->name_prefix);
  if (const toml::node* n = t.get("status")) {
    if (const auto* s = n->as_string()) {
      if (s->get() == "running") {
        q->status = 2;
      } else {
        d.error(where(*n),
                "for_each query: status must be \"running\" or a cluster status code "
                "(docs/cloud-api.md, \"Cluster status\"), not \"" +
                    s->get() + "\"");
      }
    } else if (const auto* i = n->as_integer()) {
      q->status = i->get();
    } else {
      r.type_error(*n, "status", "\"running\" or a cluster status code");
    }
  }
  if (const toml::node* n = t.get("product")) {
    if (const auto* s = n->as_string()) {
      q->product_version = s->get();
    } else if (const auto* i = n->as_integer()) {
      q->product_id = i->get();
    } else {
      r.type_error(*n, "product", "a product version (\"EMR-V3.5.0\") or a ProductId (44)");
    }
  }
  if (q->tags.empty() && q->name_prefix.empty() && !q->status && q->product_version.empty() &&
      !q->product_id) {
    d.error(q->at,
            "a for_each query needs at least one of tags, name_prefix, status or product "
            "(a query for every cluster of the account is refused)");
    return false;
  }
  return true;
}

ClusterDirectory::ClusterDirectory(CloudReader& reader) : reader_(reader) {}

base::Result<const json::array*, api::ApiError> ClusterDirectory::clusters(
    const std::string& region) {
  if (auto it = by_region_.find(region); it != by_region_.end()) return &it->second;
  ListRead read;
  read.service = "emr";
  read.action = "DescribeInstances";
  read.version = api::Catalog::builtin().service("emr")->version;
  read.region = region;
  // ProjectId -1: every project (0 is the default project only; docs/cloud-api.md).
  read.params = {{"DisplayStrategy", "clusterList"}, {"ProjectId", -1}};
  read.list_field = "ClusterList";
  auto all = read_all_pages(reader_, read);
  if (!all.ok()) return all.error();
  return &by_region_.emplace(region, std::move(*all)).first->second;
}

const json::object* ClusterDirectory::find(const std::string& region, const std::string& id) {
  auto it = by_region_.find(region);
  if (it == by_region_.end()) return nullptr;
  for (const auto& c : it->second) {
    if (c.is_object() && text_of(c.as_object(), "ClusterId") == id) return &c.as_object();
  }
  return nullptr;
}

base::Result<json::array, api::ApiError> resolve_fleet_query(const FleetQuery& query,
                                                             const std::string& region,
                                                             ClusterDirectory& directory) {
  auto all = directory.clusters(region);
  if (!all.ok()) return all.error();
  return match_fleet(query, **all);
}

}  // namespace tcplan::planner
