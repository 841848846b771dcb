// What EMR's node specs mean, shared by the emulator and the planner's pricing: an
// InstanceType ("S5.2XLARGE16") read as its family, vCPUs and memory, and a cloud disk type
// as the StorageType code InquiryPriceCreateInstance's Resource carries (docs/cloud-api.md,
// "Billing"). One reading, so the price asked for is the price the emulator computes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tcplan::api {

struct InstanceSize {
  std::string family;  // "S5"
  int cpu = 0;         // vCPUs
  int mem_gb = 0;      // GiB
};

// "S5.2XLARGE16" -> {S5, 8, 16}; SMALL 1, MEDIUM 2, LARGE and XLARGE 4, NXLARGE 4N vCPUs, the
// trailing number the memory. Nullopt for anything else (the family is not checked here).
std::optional<InstanceSize> parse_instance_type(std::string_view type);

// Resource.StorageType for a disk type: 4 CLOUD_SSD, 5 CLOUD_PREMIUM (and anything unknown),
// 6 CLOUD_HSSD, 11 CLOUD_THROUGHPUT, 12 CLOUD_TSSD.
int storage_type_of(std::string_view disk_type);

}  // namespace tcplan::api
