#include "cli/trail.h"

#include <boost/json/serialize.hpp>
#include <cstdio>
#include <filesystem>

#include "audit/pack.h"
#include "cli/colour.h"
#include "cli/command.h"

namespace tcplan::cli {

base::Result<std::unique_ptr<audit::EventStore>> open_existing_trail(const std::string& db) {
  std::error_code ec;
  if (!std::filesystem::exists(db, ec)) return base::Error{"no audit DB at " + db};
  return audit::EventStore::open(db);
}

void record_trail_access(audit::EventStore& store, audit::EventKind kind, const std::string& run,
                         const boost::json::object& details) {
  auto r = audit::record_trail_access(store, kind, run, boost::json::serialize(details));
  if (!r)
    std::fprintf(stderr, "warning: could not record this read: %s\n", r.error().message.c_str());
}

int fail(const std::string& message) {
  std::fprintf(stderr, "%s%s\n", error_prefix(stderr).c_str(), message.c_str());
  return kExitFailed;
}

}  // namespace tcplan::cli
