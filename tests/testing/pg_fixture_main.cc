// `tcplan_pg_fixture start|stop DIR`: the ctest fixture that gives the whole test run one
// throw-away PostgreSQL server (tests/CMakeLists.txt wires it as FIXTURES_SETUP/CLEANUP).
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>

#include "tests/testing/pg_server.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: tcplan_pg_fixture start|stop DIR\n");
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
    if (verb == "stop") {
      if (!std::filesystem::exists(dir / "uri")) return 0;
      tcplan::testing::PgServer::attach(dir)->stop();
      return 0;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tcplan_pg_fixture %s: %s\n", verb.c_str(), e.what());
    return 1;
  }
  std::fprintf(stderr, "usage: tcplan_pg_fixture start|stop DIR\n");
  return 2;
}
