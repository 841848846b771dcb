// End-to-end checks of the tcplan binary's own surface: --version, --help, usage errors.
#include <gtest/gtest.h>

#include "tests/testing/process.h"

namespace tcplan::testing {
namespace cli_test {

TEST(Cli, VersionPrintsNameAndVersion) {
  auto r = run_tcplan({"--version"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, std::string("tcplan ") + TCPLAN_VERSION + "\n");
}

TEST(Cli, NoSubcommandIsAUsageError) {
  auto r = run_tcplan({});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("subcommand"), std::string::npos) << r.err;
}

TEST(Cli, UnknownGlobalOptionValueIsAUsageError) {
  auto r = run_tcplan({"--target", "mars", "validate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("mars"), std::string::npos) << r.err;
}

}  // namespace cli_test
}  // namespace tcplan::testing
