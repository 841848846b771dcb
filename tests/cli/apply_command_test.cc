// The command line as a library (cli/app.h): commands driven in-process, and what the shipped
// binary must not do. Flag and input errors of `tcplan apply` are usage errors (exit 2) found
// before anything is opened or sent; the pseudo-step `preview` is not a step id; and the
// shipped `tcplan` ignores the crash tests' kill hook.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/app.h"
#include "tests/testing/local_cloud.h"
#include "tests/testing/process.h"
#include "tests/testing/store.h"

namespace tcplan::testing {
namespace apply_command_test {

struct Outcome {
  int code;
  std::string err;
};

Outcome run_main(std::vector<std::string> args) {
  args.insert(args.begin(), "tcplan");
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  ::testing::internal::CaptureStderr();
  int code = cli::run_main(static_cast<int>(argv.size()), argv.data());
  return {code, ::testing::internal::GetCapturedStderr()};
}

const std::string kPlans = std::string(TCPLAN_SOURCE_DIR) + "/plans/";

TEST(ApplyCommand, AMissingPlanIsAUsageError) {
  TempDir dir;
  const auto db = test_store(dir.path());
  Outcome r = run_main({"apply", (dir / "nope.toml").string(), "--audit-db", db.string()});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("cannot read"), std::string::npos) << r.err;
  EXPECT_FALSE(trail_written(db)) << "a trail was written for nothing";
}

TEST(ApplyCommand, BadDurationsAndTimesAreUsageErrorsBeforeAnythingIsOpened) {
  TempDir dir;
  const std::string db = test_store(dir.path()).string();
  Outcome lock =
      run_main({"apply", kPlans + "lifecycle.toml", "--wait-lock", "soon", "--audit-db", db});
  EXPECT_EQ(lock.code, 2);
  EXPECT_NE(lock.err.find("--wait-lock 'soon' is not a duration"), std::string::npos) << lock.err;
  Outcome now =
      run_main({"apply", kPlans + "lifecycle.toml", "--now", "tomorrow", "--audit-db", db});
  EXPECT_EQ(now.code, 2);
  EXPECT_NE(now.err.find("--now 'tomorrow'"), std::string::npos) << now.err;
  EXPECT_FALSE(trail_written(db));
}

TEST(ValidateCommand, PreviewIsAReservedStepId) {
  TempDir dir;
  write_file(
      dir / "p.toml",
      "version = 1\nname = \"x\"\nregion = \"ap-guangzhou\"\n\n[[steps]]\n"
      "id = \"preview\"\nkind = \"wait\"\ncluster = \"emr-4slr7ad7\"\nuntil = \"running\"\n");
  Outcome r = run_main({"validate", (dir / "p.toml").string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("p.toml:6:6: error: step id 'preview' is reserved"), std::string::npos)
      << r.err;
}

TEST(ShippedBinary, IgnoresTheCrashTestsKillHook) {
  TempDir dir, other;
  LocalCloud cloud({.fixture = std::filesystem::path(kPlans) / "fixtures/fleet.toml"});
  RunOptions o;
  o.cwd = dir.path();
  o.env["TCPLAN_TEST_KILL_AFTER_EVENTS"] = "1";
  ProcessResult r = run_tcplan_against(cloud, test_store(dir.path()),
                                       {"apply", kPlans + "hdfs-rolling-restart.toml", "--yes"}, o);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  o.test_hooks = true;
  ProcessResult hooked = run_tcplan_against(
      cloud, test_store(other.path()), {"apply", kPlans + "hdfs-rolling-restart.toml", "--yes"}, o);
  EXPECT_EQ(hooked.exit_code, 128 + 9) << "the test build did not honour the hook";
}

}  // namespace apply_command_test
}  // namespace tcplan::testing
