// Fleets chosen by query: a step's `for_each` may be a table of criteria instead of a list —
// clusters by tag key/value, name prefix, status, product. The dry run resolves each query to
// the ids of the matching clusters (sorted), reading every cluster of the region once through
// the paginating reader; the preview shows them item by item, the saved plan pins them, and
// apply acts on exactly that set (planner::Fleets in ResolveContext). Matching is a pure
// function over DescribeInstances' ClusterInstancesInfo, so tests check it table by table.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <map>
#include <string>

#include "api/api_error.h"
#include "base/result.h"
#include "planner/cloud_reader.h"
#include "planner/plan.h"

namespace tcplan::planner {

// The pinned items of every query-based for_each, by the id of what fans out (a step, or
// anything else that owns a for_each).
using Fleets = std::map<std::string, boost::json::array, std::less<>>;

// Whether one cluster (a ClusterInstancesInfo object) matches every criterion of the query.
bool fleet_matches(const FleetQuery& query, const boost::json::object& cluster);

// The ids of the matching clusters among `clusters`, sorted.
boost::json::array match_fleet(const FleetQuery& query, const boost::json::array& clusters);

// "tag team=data, name etl-*, status 2, product EMR-V3.5.0", for previews and messages.
std::string describe_query(const FleetQuery& query);

// The query as JSON ({"tags": {...}, "name_prefix", "status", "product"}), the form kept in
// Step::for_each and shown in the preview.
boost::json::object query_json(const FleetQuery& query);

// Every live cluster of a region (DescribeInstances, DisplayStrategy clusterList, every
// project, every page), read once per region and kept: the fleet queries, the dry run's
// cluster checks and the duplicate-name check of creates share one listing.
class ClusterDirectory {
 public:
  explicit ClusterDirectory(CloudReader& reader);

  base::Result<const boost::json::array*, api::ApiError> clusters(const std::string& region);
  // One cluster by id from the listing, or nullptr.
  const boost::json::object* find(const std::string& region, const std::string& id);

 private:
  CloudReader& reader_;
  std::map<std::string, boost::json::array> by_region_;
};

// The items of one query: the ids of the matching clusters of `region`, sorted.
base::Result<boost::json::array, api::ApiError> resolve_fleet_query(const FleetQuery& query,
                                                                    const std::string& region,
                                                                    ClusterDirectory& directory);

}  // namespace tcplan::planner
