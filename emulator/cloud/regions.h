// Regions and zones the emulator sells in, with the numeric ids the EMR API reports
// (ap-guangzhou-3 = ZoneId 100003, RegionId 1; na-siliconvalley-2 = 150002, 15: as in the
// vendor's examples). A zone outside this table is refused with InvalidParameter.InvalidZone.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tcplan::emulator::cloud {

struct ZoneInfo {
  std::string region;  // "ap-guangzhou"
  std::string zone;    // "ap-guangzhou-3"
  int region_id = 0;
  int zone_id = 0;
};

std::optional<ZoneInfo> zone_info(std::string_view zone);
std::optional<ZoneInfo> zone_by_id(int zone_id);
// The region's first zone ("ap-guangzhou" -> "ap-guangzhou-3"), for calls that give none.
std::optional<ZoneInfo> default_zone(std::string_view region);

}  // namespace tcplan::emulator::cloud
