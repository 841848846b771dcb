#include "api/node_types.h"

#include <charconv>

namespace tcplan::api {

namespace {

std::optional<int> to_int(std::string_view s) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<InstanceSize> parse_instance_type(std::string_view type) {
  const auto dot = type.find('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  const std::string_view size = type.substr(dot + 1);
  const auto digits_end = size.find_last_not_of("0123456789");
  if (digits_end == std::string_view::npos || digits_end + 1 == size.size()) return std::nullopt;
  const auto mem = to_int(size.substr(digits_end + 1));
  const std::string_view name = size.substr(0, digits_end + 1);
  int cpu = 0;
  if (name == "SMALL") {
    cpu = 1;
  } else if (name == "MEDIUM") {
    cpu = 2;
  } else if (name == "LARGE" || name == "XLARGE") {
    cpu = 4;
  } else if (name.size() > 6 && name.ends_with("XLARGE")) {
    const auto n = to_int(name.substr(0, name.size() - 6));
    if (!n) return std::nullopt;
    cpu = 4 * *n;
  } else {
    return std::nullopt;
  }
  if (!mem || *mem <= 0 || cpu <= 0) return std::nullopt;
  return InstanceSize{std::string(type.substr(0, dot)), cpu, *mem};
}

int storage_type_of(std::string_view disk_type) {
  if (disk_type == "CLOUD_SSD") return 4;
  if (disk_type == "CLOUD_HSSD") return 6;
  if (disk_type == "CLOUD_THROUGHPUT") return 11;
  if (disk_type == "CLOUD_TSSD") return 12;
  return 5;
}

}  // namespace tcplan::api
