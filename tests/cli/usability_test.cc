// The command line as a new user meets it (issue 14): "did you mean" for unknown commands and
// flags, `tcplan help CMD`, one message for a plan argument that is not a plan (missing,
// directory, binary: never its raw bytes), plain range errors, and `--resume` that never
// creates a trail. Each runs the real binary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "cli/app.h"
#include "cli/command.h"
#include "cli/help_text.h"
#include "cli/resume_hint.h"
#include "tests/testing/process.h"

namespace tcplan::testing {
namespace usability_test {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kPlans = std::string(TCPLAN_SOURCE_DIR) + "/plans/";

TEST(DidYouMean, UnknownCommandGetsTheClosestOne) {
  auto r = run_tcplan({"aply", "plans/lifecycle.toml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown command 'aply' (did you mean 'apply'?)"));
  auto sub = run_tcplan({"audit", "verfy"});
  EXPECT_EQ(sub.exit_code, 2);
  EXPECT_THAT(sub.err, HasSubstr("did you mean 'verify'?"));
  EXPECT_THAT(sub.err, HasSubstr("tcplan audit --help"));
  auto far = run_tcplan({"xyzzy"});
  EXPECT_EQ(far.exit_code, 2);
  EXPECT_THAT(far.err, HasSubstr("unknown command 'xyzzy'"));
  EXPECT_THAT(far.err, Not(HasSubstr("did you mean")));
}

TEST(DidYouMean, UnknownFlagGetsTheClosestOneOfItsCommand) {
  auto r = run_tcplan({"apply", "x.toml", "--yse"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err,
              HasSubstr("unknown option '--yse' for 'tcplan apply' (did you mean '--yes'?)"));
  // Global options are candidates too, before or after the subcommand.
  auto g = run_tcplan({"--audit-bd", "a.db", "runs"});
  EXPECT_EQ(g.exit_code, 2);
  EXPECT_THAT(g.err, HasSubstr("did you mean '--audit-db'?"));
  // Values of options are not mistaken for commands.
  auto v = run_tcplan({"--region", "ap-guangzhou", "validate", kPlans + "lifecycle.toml"});
  EXPECT_EQ(v.exit_code, 0) << v.err;
}

TEST(Help, HelpCommandShowsTheAppOrACommand) {
  auto all = run_tcplan({"help"});
  EXPECT_EQ(all.exit_code, 0) << all.err;
  EXPECT_THAT(all.out, HasSubstr("apply"));
  EXPECT_THAT(all.out, HasSubstr("validate"));
  auto apply = run_tcplan({"help", "apply"});
  EXPECT_EQ(apply.exit_code, 0) << apply.err;
  EXPECT_THAT(apply.out, HasSubstr("--resume"));
  auto nested = run_tcplan({"help", "audit", "verify"});
  EXPECT_EQ(nested.exit_code, 0) << nested.err;
  EXPECT_THAT(nested.out, HasSubstr("verify"));
  auto typo = run_tcplan({"help", "aply"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_THAT(typo.err, HasSubstr("did you mean 'apply'?"));
}

void check_footers(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands({})) {
    const std::string footer = sub->get_footer();
    const std::string path = cli::command_path_of(*sub);
    std::size_t examples = 0;
    for (std::size_t at = footer.find("\n  tcplan "); at != std::string::npos;
         at = footer.find("\n  tcplan ", at + 1))
      ++examples;
    EXPECT_GE(examples, 2u) << path << ":\n" << footer;
    EXPECT_LE(examples, 4u) << path << ":\n" << footer;
    EXPECT_THAT(footer, HasSubstr("Global options")) << path;
    EXPECT_THAT(footer, HasSubstr("--audit-db")) << path;
    check_footers(*sub);
  }
}

TEST(Help, EverySubcommandEndsWithExamplesAndTheGlobalOptions) {
  cli::GlobalOptions global;
  cli::CommandFn run;
  auto app = cli::make_app(global, run);
  EXPECT_THAT(cli::add_help_footers(*app), ::testing::IsEmpty());
  check_footers(*app);
  auto shown = run_tcplan({"status", "--help"});
  EXPECT_EQ(shown.exit_code, 0);
  EXPECT_THAT(shown.out, HasSubstr("Examples:\n  tcplan status"));
}

TEST(PlanArgument, ADirectoryOrABinaryFileGetsOneMessageEverywhere) {
  TempDir dir;
  write_file(dir / "blob.toml", std::string("\x7f"
                                            "ELF\x01\x00\x00\x1b[31mRED\xff\xfe",
                                            16));
  const std::string db = (dir / "a.db").string();
  for (const char* cmd : {"validate", "plan", "apply"}) {
    auto d = run_tcplan({cmd, dir.path().string(), "--audit-db", db});
    EXPECT_EQ(d.exit_code, 2) << cmd;
    EXPECT_THAT(d.err, HasSubstr("cannot read the plan: is a directory")) << cmd;
    auto b = run_tcplan({cmd, (dir / "blob.toml").string(), "--audit-db", db});
    EXPECT_EQ(b.exit_code, 2) << cmd << b.err;
    EXPECT_THAT(b.err, HasSubstr("cannot read the plan: not a text file")) << cmd;
    EXPECT_THAT(b.err, Not(HasSubstr("RED"))) << cmd << ": the file's bytes reached the terminal";
    EXPECT_EQ(b.err.find('\x1b'), std::string::npos) << cmd;
    auto m = run_tcplan({cmd, (dir / "nope.toml").string(), "--audit-db", db});
    EXPECT_THAT(m.err, HasSubstr("cannot read the plan: no such file")) << cmd;
  }
  EXPECT_FALSE(std::filesystem::exists(db));
}

TEST(Flags, OutOfRangeValuesSayTheRangePlainly) {
  auto p = run_tcplan({"apply", kPlans + "lifecycle.toml", "--max-parallel", "-1"});
  EXPECT_EQ(p.exit_code, 2);
  EXPECT_THAT(p.err, HasSubstr("'-1' is not a whole number of 0 or more"));
  auto t = run_tcplan({"--time-scale", "0", "validate", kPlans + "lifecycle.toml"});
  EXPECT_EQ(t.exit_code, 2);
  EXPECT_THAT(t.err, HasSubstr("'0' is not a number greater than 0"));
  for (const auto* r : {&p, &t})
    EXPECT_LT(r->err.size(), 300u) << r->err;
}

TEST(Resume, NeverCreatesATrail) {
  TempDir dir;
  RunOptions o;
  o.cwd = dir.path();
  o.env["XDG_STATE_HOME"] = (dir / "state").string();
  auto r = run_tcplan({"apply", kPlans + "lifecycle.toml", "--resume", "run-x", "--audit-db",
                       (dir / "a.db").string()},
                      o);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("no audit DB at"));
  auto d = run_tcplan({"apply", kPlans + "lifecycle.toml", "--resume"}, o);
  EXPECT_EQ(d.exit_code, 2);
  EXPECT_THAT(d.err, HasSubstr("no audit DB at"));
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir.path())) {
    EXPECT_TRUE(e.is_directory()) << e.path() << " was created by a resume of nothing";
  }
}

TEST(Resume, TheHintCarriesTheRunsGlobalOptions) {
  cli::GlobalOptions g;
  g.audit_db = "/tmp/my trail.db";
  g.endpoint = "http://127.0.0.1:9000";
  g.time_scale = 1000;
  EXPECT_EQ(cli::resume_command("plans/x.toml", "run-1", g),
            "tcplan apply plans/x.toml --resume run-1 --endpoint http://127.0.0.1:9000 "
            "--audit-db '/tmp/my trail.db' --time-scale 1000");
  // A team store: named without its password (libpq finds that in PGPASSFILE), with the host
  // name the run's lease was taken under.
  g.audit_db = "postgresql://alice:s3cret@db.example.com/tcplan";
  g.host_name = "bastion-a";
  g.endpoint.clear();
  g.time_scale = 0;
  EXPECT_EQ(cli::resume_command("plans/x.toml", "run-1", g),
            "tcplan apply plans/x.toml --resume run-1 --audit-db "
            "postgresql://alice@db.example.com/tcplan --host-name bastion-a");
}

}  // namespace usability_test
}  // namespace tcplan::testing
