// The throw-away PostgreSQL server the team-store tests run against: it starts, serves SQL on
// its socket, and gives each test its own database.
#include "tests/testing/pg_server.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace tcplan::testing {
namespace pg_server_test {

TEST(PgServer, ServesEachTestItsOwnDatabase) {
  const PgServer& server = shared_pg_server();
  std::string a = server.create_database("t");
  std::string b = server.create_database("t");
  EXPECT_NE(a, b);
  std::string db_a = a.substr(a.find(":///") + 4, a.find('?') - a.find(":///") - 4);
  server.execute("CREATE TABLE only_here (x int)", db_a);
  server.execute("INSERT INTO only_here VALUES (1)", db_a);
  std::string db_b = b.substr(b.find(":///") + 4, b.find('?') - b.find(":///") - 4);
  EXPECT_THROW(server.execute("SELECT * FROM only_here", db_b), std::runtime_error);
}

TEST(PgServer, ReportsTheServersMessageOnBadSql) {
  try {
    shared_pg_server().execute("SELEC 1");
    FAIL() << "bad SQL was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("syntax error"), std::string::npos) << e.what();
  }
}

}  // namespace pg_server_test
}  // namespace tcplan::testing
