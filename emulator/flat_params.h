// Parameters sent as a query string or form body (GET, and the v1 signature) arrive flattened
// and untyped: "InstanceIds.0=emr-1&Limit=10". These turn them back into the JSON object a
// POST would have carried, typed by the action's catalog entry, so one validator serves both.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/catalog.h"

namespace tcplan::emulator {

using FlatParams = std::vector<std::pair<std::string, std::string>>;

// Splits "a=1&b=x%20y" into decoded pairs ('+' is a space, as in form bodies). Returns false
// on a malformed %-escape.
bool decode_query(std::string_view query, FlatParams* out);

// "Filters.0.Values.1=x" -> {"Filters":[{"Values":[null,"x"]}]}; strings become Integer,
// Float or Boolean where the catalog types the field so, and stay strings otherwise.
boost::json::object unflatten(const FlatParams& flat, const api::ActionSpec& action,
                              const api::Catalog& catalog);

}  // namespace tcplan::emulator
