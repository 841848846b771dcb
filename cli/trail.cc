#include "cli/trail.h"

#include <boost/json/serialize.hpp>
#include <cstdio>
#include <filesystem>

#include "audit/pack.h"
#include "cli/colour.h"
#include "cli/command.h"

namespace tcplan::cli {

base::Result<std::unique_ptr<audit::EventStore>> open_existing_trail(const std::string& db) {
  // A team store is never created by opening it (`tcplan audit init` does that), so only a
  // file needs checking here.
  std::error_code ec;
  if (!audit::is_postgres_location(db) && !std::filesystem::exists(db, ec)) {
    return base::Error{"no audit DB at " + db};
  }
  return audit::EventStore::open(db);
}

void record_trail_access(audit::EventStore& store, audit::EventKind kind, const std::string& run,
                         const boost::json::object& details) {
  auto r = audit::record_trail_access(store, kind, run, boost::json::serialize(details));
  if (r) return;
  // A reviewer's role may only SELECT (docs/team.md): that read is not recorded by design.
  if (r.error().message.find("permission denied") != std::string::npos) {
    std::fprintf(stderr, "note: this read was not recorded (the role may not write %s)\n",
                 store.describe().c_str());
    return;
  }
  std::fprintf(stderr, "warning: could not record this read: %s\n", r.error().message.c_str());
}

int fail(const std::string& message) {
  std::fprintf(stderr, "%s%s\n", error_prefix(stderr).c_str(), message.c_str());
  return kExitFailed;
}

}  // namespace tcplan::cli
