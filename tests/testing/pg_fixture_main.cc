// `tcplan_pg_fixture start|stop DIR`: the ctest fixture that gives the whole test run one
// throw-away PostgreSQL server (tests/CMakeLists.txt wires it as FIXTURES_SETUP/CLEANUP).
// `tcplan_pg_fixture createdb DIR PREFIX` prints the URI of a new, empty database on it (for
// tests that are scripts, e.g. tests/cli/json_output_test.py).
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>

#include "tests/testing/pg_server.h"

int main(int argc, char** argv) {
  constexpr const char* kUsage = "usage: tcplan_pg_fixture start|stop DIR | createdb DIR PREFIX\n";
  if (argc != 3 && !(argc == 4 && std::string(argv[1]) == "createdb")) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string verb = argv[1];
  std::filesystem::path dir = argv[2];
  try {
    if (verb == "start") {
      // A server left by an aborted earlier run in the same place is stopped first.
      if (std::filesystem::exists(dir / "uri")) tcplan::testing::PgServer::attach(dir)->stop();
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
      auto server = tcplan::testing::PgServer::start(dir);
      server->release();
      std::printf("PostgreSQL test server: %s\n", server->uri().c_str());
      return 0;
    }
    if (verb == "createdb") {
      std::printf("%s\n", tcplan::testing::PgServer::attach(dir)->create_database(argv[3]).c_str());
      return 0;
    }
    if (verb == "stop") {
      if (!std::filesystem::exists(dir / "uri")) return 0;
      tcplan::testing::PgServer::attach(dir)->stop();
      return 0;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tcplan_pg_fixture %s: %s\n", verb.c_str(), e.what());
    return 1;
  }
  std::fputs(kUsage, stderr);
  return 2;
}
