// The emulator's price list: deterministic CNY prices by instance type, disk and node count, so
// the planner's cost previews (and its tests) can be checked against known numbers. The table is
// documented in docs/emulator-model.md; every InquiryPrice* action answers from these functions.
//
//   node hourly (list)  = family factor x (0.11 x vCPU + 0.03 x GiB memory) + 0.10 EMR fee
//   disk hourly (list)  = GB x monthly price of its type / 720
//   PayMode 0: TimeUnit "s", TimeSpan 3600 -> one hour; PayMode 1: TimeUnit "m" -> 720 h/month
//   DiscountCost        = OriginalCost x 0.8
// Totals are computed unrounded and rounded to 0.01 CNY (half away from zero) at the end.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "emulator/cloud/model.h"

namespace tcplan::emulator::cloud {

inline constexpr double kDiscountRate = 0.8;
inline constexpr double kHoursPerMonth = 720;  // disk prices are per month of 30 days
inline constexpr double kEmrFeePerNodeHour = 0.10;

// "S5.2XLARGE16" -> 8 vCPU, 16 GiB; fills cpu/mem_mb of a spec that only names its type.
// Error message: the EMR code to return (InvalidParameter.InvalidInstanceType).
base::Result<NodeSpec, std::string> resolve_instance_type(NodeSpec spec);

// One node's list price per hour, by part.
struct NodeHourly {
  double node = 0;  // compute + EMR fee
  double root_disk = 0;
  double data_disk = 0;
  double total() const { return node + root_disk + data_disk; }
};
// Error: the EMR code to return (InvalidParameter.InvalidInstanceType / InvalidResourceSpec).
base::Result<NodeHourly, std::string> node_hourly(const NodeSpec& spec);

// Billable hours for a pay mode and time span: PayMode 0 -> TimeSpan/3600, 1 -> TimeSpan x 720.
double billable_hours(int pay_mode, std::int64_t time_span);

struct Quote {
  double original = 0;  // rounded to 0.01
  double discount = 0;  // rounded to 0.01
};
// The price of `count` nodes of each spec for the pay mode and span.
base::Result<Quote, std::string> quote(const std::vector<std::pair<NodeSpec, int>>& nodes,
                                       int pay_mode, std::int64_t time_span);

double round_cny(double v);
// "1.74": InquiryPriceScaleOutInstance's string costs.
std::string cny_string(double v);

}  // namespace tcplan::emulator::cloud
