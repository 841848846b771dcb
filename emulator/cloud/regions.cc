#include "emulator/cloud/regions.h"

#include <array>
#include <charconv>

namespace tcplan::emulator::cloud {

namespace {

struct RegionRow {
  const char* region;
  int region_id;
  int zone_base;  // ZoneId = zone_base + zone number
  int first_zone;
  int last_zone;
};

// Only two id pairs are documented, by the reference's examples: ap-guangzhou-3 = ZoneId
// 100003 (RegionId 1) and na-siliconvalley-2 = 150002 (RegionId 15); the other rows follow
// the same numbering (docs/cloud-api.md, "What the documents leave open").
constexpr std::array<RegionRow, 10> kRegions{{
    {"ap-guangzhou", 1, 100000, 3, 7},
    {"ap-shanghai", 4, 200000, 2, 8},
    {"ap-hongkong", 5, 300000, 2, 3},
    {"ap-beijing", 8, 800000, 3, 7},
    {"ap-singapore", 9, 900000, 1, 4},
    {"na-siliconvalley", 15, 150000, 1, 2},
    {"ap-chengdu", 16, 160000, 1, 2},
    {"eu-frankfurt", 17, 170000, 1, 2},
    {"na-ashburn", 22, 220000, 1, 2},
    {"ap-nanjing", 33, 330000, 1, 3},
}};

}  // namespace

std::optional<ZoneInfo> zone_info(std::string_view zone) {
  auto dash = zone.rfind('-');
  if (dash == std::string_view::npos) return std::nullopt;
  std::string_view region = zone.substr(0, dash);
  std::string_view number = zone.substr(dash + 1);
  int n = 0;
  auto [p, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
  if (ec != std::errc() || p != number.data() + number.size()) return std::nullopt;
  for (const auto& r : kRegions) {
    if (region != r.region || n < r.first_zone || n > r.last_zone) continue;
    return ZoneInfo{r.region, std::string(zone), r.region_id, r.zone_base + n};
  }
  return std::nullopt;
}

std::optional<ZoneInfo> zone_by_id(int zone_id) {
  for (const auto& r : kRegions) {
    int n = zone_id - r.zone_base;
    if (n >= r.first_zone && n <= r.last_zone)
      return ZoneInfo{r.region, std::string(r.region) + "-" + std::to_string(n), r.region_id,
                      zone_id};
  }
  return std::nullopt;
}

std::optional<ZoneInfo> default_zone(std::string_view region) {
  for (const auto& r : kRegions)
    if (region == r.region)
      return zone_info(std::string(region) + "-" + std::to_string(r.first_zone));
  return std::nullopt;
}

}  // namespace tcplan::emulator::cloud
