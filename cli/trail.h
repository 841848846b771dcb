// What the commands that read the audit trail share (`audit ...`, `runs`, `status`, `unlock`):
// opening an existing trail (never creating one), recording that it was read, and printing
// an error. The reading itself lives in audit/.
#pragma once

#include <boost/json/object.hpp>
#include <memory>
#include <string>

#include "audit/event.h"
#include "audit/event_store.h"
#include "base/result.h"

namespace tcplan::cli {

// Readers never create a trail: a missing file is an error, not an empty trail.
base::Result<std::unique_ptr<audit::EventStore>> open_existing_trail(const std::string& db);

// Appends a trail_read / trail_exported event; a failure to record is a warning, not fatal.
void record_trail_access(audit::EventStore& store, audit::EventKind kind, const std::string& run,
                         const boost::json::object& details);

// Prints "error: <message>" and returns kExitFailed.
int fail(const std::string& message);

}  // namespace tcplan::cli
