// The dry run's reads: the clusters steps name exist (and are running; read in batches of up
// to 100), the nodes a scale-in removes are there (every page of the node list), the CVM/ECM
// instances to terminate exist, and a create does not repeat the name of a live cluster.
#include <algorithm>
#include <cctype>
#include <map>

#include "api/pages.h"
#include "base/text.h"
#include "planner/preview_internal.h"

namespace tcplan::planner::preview_detail {

namespace json = boost::json;

namespace {

// Tag keys that name a cluster: a create's Name tag names it as surely as its InstanceName.
bool names_a_cluster(std::string_view tag_key) {
  return base::ascii_lower(tag_key) == "name";
}

std::string text_of(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// The names a cluster goes by: its ClusterName (InstanceName at create) and any Name tag.
std::set<std::string> cluster_names(const json::object& o, const char* name_key,
                                    const char* key_field, const char* value_field) {
  std::set<std::string> names;
  if (auto n = text_of(o, name_key); !n.empty()) names.insert(n);
  if (const json::value* tags = o.if_contains("Tags"); tags && tags->is_array()) {
    for (const auto& t : tags->as_array()) {
      if (!t.is_object() || !names_a_cluster(text_of(t.as_object(), key_field))) continue;
      if (auto v = text_of(t.as_object(), value_field); !v.empty()) names.insert(v);
    }
  }
  return names;
}

bool tagged(const json::object& cluster, std::string_view key, std::string_view value) {
  const json::value* tags = cluster.if_contains("Tags");
  if (tags == nullptr || !tags->is_array()) return false;
  for (const auto& t : tags->as_array()) {
    if (t.is_object() && text_of(t.as_object(), "TagKey") == key &&
        text_of(t.as_object(), "TagValue") == value) {
      return true;
    }
  }
  return false;
}

}  // namespace

// DescribeInstances for the clusters not read yet, up to 100 ids a call (every page, through
// the paginating reader), cached: several steps, and every item of a fleet, usually touch the
// same ones. A cluster already in the directory (listed for a fleet query) is not read again.
void Previewer::describe_clusters(const std::vector<std::string>& ids, const std::string& region) {
  std::vector<std::string> todo;
  for (const auto& id : ids) {
    if (clusters_.count(id) || std::find(todo.begin(), todo.end(), id) != todo.end()) continue;
    if (const json::object* listed = directory_.find(region, id)) {
      clusters_.emplace(id, Cached{*listed, true, {}});
      continue;
    }
    todo.push_back(id);
  }
  const auto per_read = static_cast<std::size_t>(api::kMaxPageSize);  // InstanceIds' limit too
  for (std::size_t from = 0; from < todo.size(); from += per_read) {
    const std::size_t to = std::min(todo.size(), from + per_read);
    json::array batch;
    for (std::size_t i = from; i < to; ++i)
      batch.push_back(json::value(todo[i]));
    ListRead read{"emr",
                  "DescribeInstances",
                  emr_version(),
                  region,
                  json::object{{"DisplayStrategy", "clusterList"},
                               {"InstanceIds", std::move(batch)},
                               {"ProjectId", -1}},
                  "ClusterList"};
    auto listed = read_all_pages(reader_, read);
    std::map<std::string, json::object> found;
    if (listed.ok()) {
      for (auto& c : *listed) {
        if (!c.is_object()) continue;
        if (auto id = text_of(c.as_object(), "ClusterId"); !id.empty()) {
          found[id] = std::move(c.as_object());
        }
      }
    }
    for (std::size_t i = from; i < to; ++i) {
      Cached c;
      if (!listed.ok()) {
        c.error = listed.error().to_string();
      } else if (auto f = found.find(todo[i]); f != found.end()) {
        c.info = std::move(f->second);
        c.found = true;
      }
      clusters_.emplace(todo[i], std::move(c));
    }
  }
}

// One cluster, through the same cache.
const json::object* Previewer::describe_cluster(const std::string& id, const std::string& region,
                                                std::string* error) {
  describe_clusters({id}, region);
  const Cached& c = clusters_.at(id);
  *error = c.error;
  return c.found ? &c.info : nullptr;
}

void Previewer::check_cluster(const std::string& id, const std::string& region, ItemPreview& ip,
                              bool must_be_running) {
  std::string error;
  const json::object* info = describe_cluster(id, region, &error);
  if (!error.empty()) {
    ip.problems.push_back("cannot read cluster " + id + ": " + error);
    return;
  }
  if (info == nullptr) {
    ip.problems.push_back("cluster " + id + " does not exist in " + region);
    return;
  }
  const auto status = number(*info, "Status");
  if (status && *status == 2) {
    ip.checks.push_back("cluster " + id + " exists and is running");
  } else if (must_be_running) {
    ip.problems.push_back("cluster " + id + " is not running (status " +
                          (status ? std::to_string(static_cast<int>(*status)) : "unknown") + ")");
  } else {
    ip.checks.push_back("cluster " + id + " exists");
  }
}

void Previewer::check_scale_in(const Step& s, const std::string& cluster, ItemPreview& ip) {
  std::string flag = s.select ? s.select->node_flag : "task";
  if (const auto* nf = ip.params.if_contains("NodeFlag"); nf && nf->is_string()) {
    flag = base::ascii_lower(nf->as_string());
  }
  ListRead read{"emr",
                "DescribeClusterNodes",
                emr_version(),
                s.region,
                json::object{{"InstanceId", cluster}, {"NodeFlag", flag}},
                "NodeList"};
  auto nodes = read_all_pages(reader_, read);
  if (!nodes.ok()) {
    ip.problems.push_back("cannot read the nodes of " + cluster + ": " + nodes.error().to_string());
    return;
  }
  std::set<std::string> present;
  for (const auto& n : *nodes) {
    if (!n.is_object()) continue;
    for (const char* key : {"EmrResourceId", "OrderNo"}) {
      if (auto id = text_of(n.as_object(), key); !id.empty()) present.insert(id);
    }
  }
  const std::size_t count = nodes->size();
  std::size_t removing = 0;
  for (const char* key : {"ResourceIds", "CvmInstanceIds"}) {
    const auto* ids = ip.params.if_contains(key);
    if (!ids || !ids->is_array()) continue;
    for (const auto& id : ids->as_array()) {
      ++removing;
      if (id.is_string() && !present.count(std::string(id.as_string()))) {
        ip.problems.push_back(std::string(key) + ": node " + std::string(id.as_string()) +
                              " is not a " + flag + " node of " + cluster);
      }
    }
  }
  if (s.select && s.select->newest > 0) removing = static_cast<std::size_t>(s.select->newest);
  if (s.select && !s.select->added_by.empty()) {
    ip.checks.push_back("removes the " + flag + " nodes added by step '" + s.select->added_by +
                        "' (known after apply)");
    return;
  }
  if (removing > count) {
    ip.problems.push_back("cluster " + cluster + " has " + std::to_string(count) + " " + flag +
                          " nodes; the step removes " + std::to_string(removing));
  } else {
    ip.checks.push_back("cluster " + cluster + " has " + std::to_string(count) + " " + flag +
                        " nodes; removing " + std::to_string(removing));
  }
}

void Previewer::check_instances(const Step& s, ItemPreview& ip) {
  const char* key = s.service == "cvm" ? "InstanceIds" : "InstanceIdSet";
  const auto* ids = ip.params.if_contains(key);
  if (!ids || !ids->is_array()) return;
  json::object params{{key, *ids}};
  auto r = reader_.call(s.service, "DescribeInstances", s.version, s.region, params);
  if (!r.ok()) {
    ip.problems.push_back("cannot read " + s.service + " instances: " + r.error().to_string());
    return;
  }
  std::set<std::string> found;
  if (const auto* set = r->if_contains("InstanceSet"); set && set->is_array()) {
    for (const auto& i : set->as_array()) {
      if (i.is_object()) found.insert(text_of(i.as_object(), "InstanceId"));
    }
  }
  for (const auto& id : ids->as_array()) {
    if (!id.is_string()) continue;
    const std::string x(id.as_string());
    if (found.count(x)) {
      ip.checks.push_back(s.service + " instance " + x + " exists");
    } else {
      ip.problems.push_back(s.service + " instance " + x + " does not exist");
    }
  }
}

// A create is idempotent within one run (its ClientToken), not across runs: a second apply of
// the same plan would make a second cluster of the same name. Clusters this run created
// itself (tcplan:run = the run id; a resume) are not repeats.
void Previewer::check_repeated_create(const Step& s, ItemPreview& ip, StepPreview& p) {
  std::set<std::string> wanted;
  for (const auto& n : cluster_names(ip.params, "InstanceName", "TagKey", "TagValue")) {
    if (n != kKnownAfterApply && n != "[from env]") wanted.insert(n);
  }
  if (wanted.empty()) return;
  auto all = directory_.clusters(s.region);
  if (!all.ok()) {
    ip.problems.push_back("cannot list the clusters of " + s.region +
                          " to check the new cluster's name: " + all.error().to_string());
    return;
  }
  bool repeated = false;
  for (const auto& c : **all) {
    if (!c.is_object() || tagged(c.as_object(), "tcplan:run", options_.run_id)) continue;
    for (const auto& name : cluster_names(c.as_object(), "ClusterName", "TagKey", "TagValue")) {
      if (!wanted.count(name)) continue;
      repeated = true;
      const auto status = number(c.as_object(), "Status");
      p.warnings.push_back("a live cluster already has the name " + name + ": " +
                           text_of(c.as_object(), "ClusterId") + " (status " +
                           (status ? std::to_string(static_cast<int>(*status)) : "?") +
                           "); apply creates another only with --new-run");
    }
  }
  if (!repeated) {
    std::string names;
    for (const auto& n : wanted)
      names += (names.empty() ? "" : ", ") + n;
    ip.checks.push_back("no live cluster in " + s.region + " is named " + names);
  }
}

}  // namespace tcplan::planner::preview_detail
