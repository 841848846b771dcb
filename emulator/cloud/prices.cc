#include "emulator/cloud/prices.h"

#include <cmath>
#include <cstdio>
#include <map>

#include "api/node_types.h"
#include "api/param_rules.h"

namespace tcplan::emulator::cloud {

namespace {

// Relative price of each instance family (S5 = standard). Unknown families are refused the way
// the cloud refuses a type it does not sell.
// Real prices are not documented; the formula is the emulator's and is published
// (docs/emulator-model.md, "Prices") so tests can check exact numbers.
const std::map<std::string, double>& family_factors() {
  static const std::map<std::string, double> kFactors = {
      {"S1", 1.10},  {"S2", 1.05},  {"S3", 1.00},  {"S4", 1.00},  {"S5", 0.95}, {"S6", 0.95},
      {"SA1", 0.90}, {"SA2", 0.85}, {"SA3", 0.85}, {"M5", 0.95},  {"M6", 0.95}, {"MA3", 0.85},
      {"C5", 1.10},  {"C6", 1.10},  {"IT3", 1.40}, {"IT5", 1.40}, {"D3", 1.20}, {"CN3", 1.15}};
  return kFactors;
}

// CNY per GB per month.
const std::map<std::string, double>& disk_prices() {
  static const std::map<std::string, double> kPrices = {
      {"CLOUD_BASIC", 0.30}, {"CLOUD_PREMIUM", 0.35},    {"CLOUD_SSD", 1.00},  {"CLOUD_HSSD", 0.60},
      {"CLOUD_TSSD", 1.20},  {"CLOUD_THROUGHPUT", 0.25}, {"LOCAL_BASIC", 0.0}, {"LOCAL_SSD", 0.0}};
  return kPrices;
}

std::string family_of(const NodeSpec& spec) {
  if (!spec.instance_type.empty())
    return spec.instance_type.substr(0, spec.instance_type.find('.'));
  // Old API: Spec "CVM.S2".
  auto dot = spec.spec.find('.');
  return dot == std::string::npos ? spec.spec : spec.spec.substr(dot + 1);
}

}  // namespace

base::Result<NodeSpec, std::string> resolve_instance_type(NodeSpec spec) {
  const std::string kInvalid = "InvalidParameter.InvalidInstanceType";
  if (spec.instance_type.empty()) {
    if (!family_factors().count(family_of(spec)) || spec.cpu <= 0 || spec.mem_mb <= 0)
      return kInvalid;
    return spec;
  }
  auto size = api::parse_instance_type(spec.instance_type);
  if (!size || !family_factors().count(size->family)) return kInvalid;
  spec.cpu = size->cpu;
  spec.mem_mb = size->mem_gb * 1024;
  if (spec.spec.empty()) spec.spec = "CVM." + size->family;
  return spec;
}

base::Result<NodeHourly, std::string> node_hourly(const NodeSpec& in) {
  auto resolved = resolve_instance_type(in);
  if (!resolved) return resolved.error();
  const NodeSpec& spec = *resolved;
  auto root = disk_prices().find(spec.root_disk_type);
  auto data = disk_prices().find(spec.disk_type);
  if (root == disk_prices().end() || data == disk_prices().end())
    return std::string("InvalidParameter.InvalidResourceSpec");
  NodeHourly h;
  double factor = family_factors().at(family_of(spec));
  h.node = factor * (0.11 * spec.cpu + 0.03 * (spec.mem_mb / 1024.0)) + kEmrFeePerNodeHour;
  h.root_disk = spec.root_gb * root->second / kHoursPerMonth;
  h.data_disk = spec.disk_gb * spec.disk_count * data->second / kHoursPerMonth;
  return h;
}

// PayMode 0 spans seconds (3600 = one hour), PayMode 1 months of 720 hours: the catalog's
// PayMode terms (docs/cloud-api.md, "Billing"), as the planner's preview converts them.
double billable_hours(int pay_mode, std::int64_t time_span) {
  // The frontend has refused an unknown PayMode (billing_params) before any price is asked.
  return api::billed_hours(*api::Catalog::builtin().pay_mode(pay_mode),
                           static_cast<double>(time_span));
}

base::Result<Quote, std::string> quote(const std::vector<std::pair<NodeSpec, int>>& nodes,
                                       int pay_mode, std::int64_t time_span) {
  double total = 0;
  for (const auto& [spec, count] : nodes) {
    auto h = node_hourly(spec);
    if (!h) return h.error();
    total += h->total() * count;
  }
  total *= billable_hours(pay_mode, time_span);
  return Quote{round_cny(total), round_cny(total * kDiscountRate)};
}

// Yuan to the fen, as the reference's examples print them ("1.74").
double round_cny(double v) {
  return std::round(v * 100.0) / 100.0;
}

std::string cny_string(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", round_cny(v));
  return buf;
}

}  // namespace tcplan::emulator::cloud
