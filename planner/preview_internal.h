// The dry run's working parts, shared by its files: preview.cc (steps, items, timing),
// preview_checks.cc (the reads that check clusters, nodes, instances and repeated creates) and
// preview_prices.cc (the InquiryPrice calls); preview_totals.h adds them up. Internal to the
// planner.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/catalog.h"
#include "planner/fleet_query.h"
#include "planner/preview.h"
#include "planner/resolve.h"

namespace tcplan::planner::preview_detail {

// Costs come back as numbers (CreateInstance) or strings ("1.74", ScaleOutInstance).
std::optional<double> number(const boost::json::object& o, std::string_view key);
// A string param that is known now (not a placeholder), or "".
std::string known_string(const boost::json::object& p, std::string_view key,
                         const std::set<std::string>& unknown);

class Previewer {
 public:
  Previewer(const Plan& plan, CloudReader& reader, const PreviewOptions& options);
  Preview run();

 private:
  // preview.cc
  StepPreview step(const Step& s, Preview& out);
  void item(const Step& s, const boost::json::value* value, ItemPreview& ip, StepPreview& p);
  bool resolve_items(const Step& s, StepPreview& p, boost::json::array& items, Preview& out);
  void sum_item_prices(StepPreview& p);
  void read_clusters_of(const Step& s, const boost::json::array& items);
  void timing(Preview& out);
  ResolveContext context() const;

  // preview_checks.cc
  // DescribeInstances for the clusters not read yet, up to 100 ids a call, cached.
  void describe_clusters(const std::vector<std::string>& ids, const std::string& region);
  const boost::json::object* describe_cluster(const std::string& id, const std::string& region,
                                              std::string* error);
  void check_cluster(const std::string& id, const std::string& region, ItemPreview& ip,
                     bool must_be_running);
  void check_scale_in(const Step& s, const std::string& cluster, ItemPreview& ip);
  void check_instances(const Step& s, ItemPreview& ip);
  void check_repeated_create(const Step& s, ItemPreview& ip, StepPreview& p);

  // preview_prices.cc
  // Prices one item (or the step). A failed InquiryPrice call is a problem of the dry run,
  // recorded in pricing_failures_ too; a price that cannot be asked for is only unknown.
  void price(const Step& s, const std::string& cluster, ItemPreview& ip, bool& billable);
  boost::json::object copy_known(const boost::json::object& from, const std::string& service,
                                 const std::string& action) const;

  // The EMR version of the reads the dry run makes, as the catalog records it.
  std::string emr_version() const { return catalog_.service("emr")->version; }

  struct Cached {
    boost::json::object info;
    bool found = false;
    std::string error;
  };

  const Plan& plan_;
  CloudReader& reader_;
  const PreviewOptions& options_;
  const api::Catalog& catalog_;
  std::string currency_;
  ClusterDirectory directory_;
  Fleets fleets_;
  std::map<std::string, Cached> clusters_;
  std::vector<std::string> pricing_failures_;  // "step 'x': InquiryPrice...: <error>"
};

}  // namespace tcplan::planner::preview_detail
