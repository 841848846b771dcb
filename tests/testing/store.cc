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
  // The test process's state directory (the one run_tcplan gives its children) for this process
  // too, and so for every child it starts: a team store's side files go there.
  static const bool state_set = ::setenv("XDG_STATE_HOME", test_state_home().c_str(), 1) == 0;
  if (!state_set) throw std::runtime_error("setenv XDG_STATE_HOME failed");
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
