// Which audit store a test's `--audit-db` points at: a SQLite file in the test's directory
// (the default), or — with TCPLAN_TEST_STORE=postgresql, how tests/CMakeLists.txt registers
// the `.pg` runs — a fresh database on the throw-away PostgreSQL server, set up as
// `tcplan audit init` sets it up. The same test code then runs against both stores.
#pragma once

#include <filesystem>
#include <string>

namespace tcplan::testing {

// True when TCPLAN_TEST_STORE=postgresql.
bool testing_postgres();

// A new, empty database on shared_pg_server() with the team store's tables, triggers and
// roles (audit init); its URI. Also points this process's XDG_STATE_HOME (and so its
// children's) at test_state_home(), so the seal keys and witnesses of team stores never land
// in the real home directory.
std::string fresh_pg_store(const std::string& prefix = "trail");

// `dir / "audit.db"`, or fresh_pg_store() when testing_postgres().
std::filesystem::path test_store(const std::filesystem::path& dir);

}  // namespace tcplan::testing
