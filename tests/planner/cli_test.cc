// `tcplan validate` and `tcplan plan` as a user runs them: exit codes, compiler-style
// messages on stderr, bad input files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/testing/process.h"

namespace tcplan::planner {
namespace cli_test {

using tcplan::testing::run_tcplan;
using tcplan::testing::TempDir;
using tcplan::testing::write_file;
using ::testing::HasSubstr;

const std::filesystem::path kSource = TCPLAN_SOURCE_DIR;

TEST(ValidateCommand, EveryExamplePlanIsValid) {
  std::vector<std::string> args{"validate"};
  for (const auto& e : std::filesystem::directory_iterator(kSource / "plans")) {
    if (e.path().extension() == ".toml") args.push_back(e.path().string());
  }
  ASSERT_GE(args.size(), 8u);
  auto r = run_tcplan(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("nightly-etl-scale.toml: valid (4 steps, 0 warnings)"));
}

TEST(ValidateCommand, InvalidPlanExitsOneWithLocatedMessages) {
  TempDir dir;
  const auto path = dir / "x.toml";
  write_file(path,
             "version = 1\nname = \"x\"\n[[steps]]\nid = \"grow\"\nkind = \"scale_out\"\n"
             "[steps.params]\nIntanceId = \"emr-4slr7ad7\"\nPayMode = 0\nTimeUnit = \"s\"\n"
             "TimeSpan = 3600\n");
  auto r = run_tcplan({"validate", path.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err,
              HasSubstr(path.string() +
                        ":7:1: error: unknown key 'IntanceId' in params of step 'grow' "
                        "(did you mean 'InstanceId'?)\n  IntanceId = \"emr-4slr7ad7\"\n  ^\n"));
  EXPECT_THAT(r.err, HasSubstr("invalid (2 errors, 0 warnings)"));
}

TEST(ValidateCommand, BadInputFilesFailCleanly) {
  TempDir dir;
  struct Case {
    const char* name;
    std::string bytes;
    const char* message;
  } cases[] = {
      {"not-toml.toml", "this is not toml\n", "not a valid TOML document"},
      {"latin1.toml", "name = \"caf\xe9\"\n", "not valid UTF-8"},
      {"empty.toml", "", "file is empty"},
      {"huge.toml", std::string(50u << 20, '#'), "file is too large"},
      {"deep.toml", "x = " + std::string(10'000, '[') + std::string(10'000, ']'),
       "not a valid TOML document"},
  };
  for (const auto& c : cases) {
    write_file(dir / c.name, c.bytes);
    auto r = run_tcplan({"validate", (dir / c.name).string()});
    EXPECT_EQ(r.exit_code, 1) << c.name << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.message)) << c.name;
  }
}

TEST(ValidateCommand, MissingFileIsUsageError) {
  auto r = run_tcplan({"validate", "/nonexistent/plan.toml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("cannot read the plan"));
}

TEST(PlanCommand, InvalidPlanExitsOneBeforeAnyCall) {
  TempDir dir;
  write_file(dir / "x.toml", "version = 1\nname = \"x\"\n");
  auto r = run_tcplan({"plan", (dir / "x.toml").string(), "--audit-db", (dir / "a.db").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("the plan has no steps"));
}

}  // namespace cli_test
}  // namespace tcplan::planner
