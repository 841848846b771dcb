// Reading request parameters as the cloud does. The front has already checked names and types,
// but the vendor's own examples send numbers and booleans as JSON strings ("CoreCount":"2"),
// and the cloud accepts them, so every getter here coerces those.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tcplan::emulator::cloud {

std::optional<std::int64_t> opt_int(const boost::json::object& o, std::string_view key);
std::int64_t int_or(const boost::json::object& o, std::string_view key, std::int64_t fallback);
std::optional<double> opt_double(const boost::json::object& o, std::string_view key);
std::optional<std::string> opt_str(const boost::json::object& o, std::string_view key);
std::string str_or(const boost::json::object& o, std::string_view key, std::string fallback = {});
std::optional<bool> opt_bool(const boost::json::object& o, std::string_view key);
// nullptr when absent or not of that shape.
const boost::json::object* sub(const boost::json::object& o, std::string_view key);
const boost::json::array* list(const boost::json::object& o, std::string_view key);
std::vector<std::string> strings(const boost::json::object& o, std::string_view key);

}  // namespace tcplan::emulator::cloud
