#include "tests/testing/store.h"

#include <cstdlib>
#include <stdexcept>

#include "audit/location.h"
#include "audit/pg_schema.h"
#include "tests/testing/pg_server.h"
#include "tests/testing/process.h"

namespace tcplan::testing {

bool testing_postgres() {
  const char* store = std::getenv("TCPLAN_TEST_STORE");
  return store != nullptr && std::string(store) == "postgresql";
}

std::string fresh_pg_store(const std::string& prefix) {
  // One scratch config directory for the whole test process: every child inherits it.
  static const TempDir config;
  static const bool config_set = ::setenv("XDG_CONFIG_HOME", config.path().c_str(), 1) == 0;
  if (!config_set) throw std::runtime_error("setenv XDG_CONFIG_HOME failed");
  std::string uri = shared_pg_server().create_database(prefix);
  auto location = audit::parse_location(uri);
  if (!location) throw std::runtime_error(location.error().message);
  auto init = audit::init_postgres_store(*location, {});
  if (!init) throw std::runtime_error("audit init " + uri + ": " + init.error().message);
  return uri;
}

std::filesystem::path test_store(const std::filesystem::path& dir) {
  if (testing_postgres()) return fresh_pg_store();
  return dir / "audit.db";
}

}  // namespace tcplan::testing
