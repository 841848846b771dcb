// Where tcplan keeps its state (cli/state_dir.h): the trail, its key and the embedded
// emulator's state in $XDG_STATE_HOME/tcplan (else ~/.local/state/tcplan), nothing in the
// working directory, `tcplan runs` from anywhere, and TCPLAN_AUDIT_DB / --audit-db to override.
#include "cli/state_dir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "audit/location.h"
#include "base/state_dir.h"
#include "tests/testing/process.h"

namespace tcplan::testing {
namespace state_dir_test {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

const std::string kPlans = std::string(TCPLAN_SOURCE_DIR) + "/plans/";

TEST(StateDir, FollowsXdgThenHome) {
  using Env = std::map<std::string, std::string>;
  EXPECT_EQ(base::state_dir(Env{{"XDG_STATE_HOME", "/x/state"}, {"HOME", "/h"}}),
            "/x/state/tcplan");
  EXPECT_EQ(base::state_dir(Env{{"HOME", "/h"}}), "/h/.local/state/tcplan");
  // The XDG spec: a relative XDG_STATE_HOME is invalid and ignored.
  EXPECT_EQ(base::state_dir(Env{{"XDG_STATE_HOME", "rel"}, {"HOME", "/h"}}),
            "/h/.local/state/tcplan");
  EXPECT_EQ(base::state_dir(Env{}), "");
  EXPECT_EQ(cli::default_audit_db(Env{{"HOME", "/h"}}), "/h/.local/state/tcplan/audit.db");
  EXPECT_EQ(cli::default_audit_db(Env{{"HOME", "/h"}, {"TCPLAN_AUDIT_DB", "/t/a.db"}}), "/t/a.db");
}

// One rule: a team store's side files (seal key, witness, emulator state) go to the same state
// directory as the default trail; a SQLite trail's stay beside it.
TEST(StateDir, TeamStoreSideFilesLiveInTheStateDir) {
  using Env = std::map<std::string, std::string>;
  EXPECT_EQ(audit::side_file_dir(Env{{"XDG_STATE_HOME", "/x/state"}, {"HOME", "/h"}}),
            fs::path("/x/state/tcplan"));
  EXPECT_EQ(audit::side_file_dir(Env{{"HOME", "/h"}}), fs::path("/h/.local/state/tcplan"));
  EXPECT_EQ(audit::side_file_dir(Env{}), fs::path("."));
  auto team = audit::parse_location("postgresql://alice@db.example.com:5433/tcplan");
  ASSERT_TRUE(team);
  EXPECT_EQ(audit::side_file(*team, ".key"),
            audit::side_file_dir() / "tcplan@db.example.com_5433.key");
  EXPECT_EQ(audit::side_file("/t/a.db", ".key"), fs::path("/t/a.db.key"));
}

std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir))
    names.push_back(e.path().filename().string());
  return names;
}

TEST(StateDir, CallPlanAndApplyLeaveNothingInTheWorkingDirectory) {
  TempDir work, state, elsewhere;
  RunOptions o;
  o.cwd = work.path();
  o.env["XDG_STATE_HOME"] = state.path().string();
  o.env["HOME"] = work.path().string();
  const std::vector<std::string> fast{"--time-scale", "1000", "--emulator-fixture",
                                      kPlans + "fixtures/fleet.toml"};
  auto with = [&fast](std::vector<std::string> args) {
    args.insert(args.begin(), fast.begin(), fast.end());
    return args;
  };
  auto call = run_tcplan(with({"call", "emr", "DescribeInstances", "--params",
                               R"({"DisplayStrategy":"clusterList"})"}),
                         o);
  EXPECT_EQ(call.exit_code, 0) << call.err;
  auto plan = run_tcplan(with({"plan", kPlans + "hdfs-rolling-restart.toml"}), o);
  EXPECT_EQ(plan.exit_code, 0) << plan.err;
  auto apply = run_tcplan(with({"apply", kPlans + "hdfs-rolling-restart.toml", "--yes"}), o);
  EXPECT_EQ(apply.exit_code, 0) << apply.err;
  EXPECT_THAT(entries(work.path()), ::testing::IsEmpty());
  EXPECT_TRUE(fs::exists(state / "tcplan/audit.db"));
  EXPECT_TRUE(fs::exists(state / "tcplan/audit.db.emulator.db"));
  EXPECT_EQ(fs::status(state / "tcplan").permissions() & fs::perms::all, fs::perms::owner_all);

  // `tcplan runs` from any directory reads the same trail.
  o.cwd = elsewhere.path();
  auto runs = run_tcplan({"runs"}, o);
  EXPECT_EQ(runs.exit_code, 0) << runs.err;
  EXPECT_THAT(runs.out, HasSubstr("hdfs-rolling-restart.toml"));
  EXPECT_THAT(runs.out, HasSubstr("succeeded"));

  // TCPLAN_AUDIT_DB names another trail; --audit-db wins over it.
  o.env["TCPLAN_AUDIT_DB"] = (elsewhere / "other.db").string();
  auto other = run_tcplan({"runs"}, o);
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_THAT(other.err, HasSubstr("no audit DB at " + (elsewhere / "other.db").string()));
  auto flag = run_tcplan({"runs", "--audit-db", (state / "tcplan/audit.db").string()}, o);
  EXPECT_EQ(flag.exit_code, 0) << flag.err;
}

}  // namespace state_dir_test
}  // namespace tcplan::testing
