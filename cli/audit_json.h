// `--output json` for `audit verify` and `audit show` (docs/schemas/audit-verify.schema.json,
// audit-show.schema.json): what describe() and the show listing print, as documents.
#pragma once

#include <boost/json/object.hpp>
#include <vector>

#include "audit/event.h"
#include "audit/projection.h"
#include "audit/verify.h"

namespace tcplan::cli {

boost::json::object verify_json(const audit::VerifyReport& report);

boost::json::object show_json(const audit::RunState& run, const std::vector<audit::Event>& events);

}  // namespace tcplan::cli
