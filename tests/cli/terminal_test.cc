// tcplan on a terminal versus a pipe (issue 14): status words and errors in colour only on a
// TTY and never with NO_COLOR; progress lines rewritten in place (\r, erase line) only on a
// TTY, one plain timestamped line each otherwise. The terminal is a pseudo-terminal made by
// script(1) (util-linux, in bsdutils).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/testing/local_cloud.h"
#include "tests/testing/process.h"
#include "tests/testing/store.h"

namespace tcplan::testing {
namespace terminal_test {

using ::testing::HasSubstr;
using ::testing::Not;

const std::filesystem::path kPlans = std::filesystem::path(TCPLAN_SOURCE_DIR) / "plans";

std::string quoted(const std::string& word) {
  std::string out = "'";
  for (char c : word)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

class Terminal : public ::testing::Test {
 protected:
  Terminal() : cloud_({.fixture = kPlans / "fixtures/fleet.toml"}) {}

  std::vector<std::string> args(std::vector<std::string> rest) const {
    std::vector<std::string> all{"--endpoint",   cloud_.url(),
                                 "--region",     "ap-guangzhou",
                                 "--time-scale", std::to_string(cloud_.time_scale()),
                                 "--audit-db",   db_.string()};
    all.insert(all.end(), rest.begin(), rest.end());
    return all;
  }
  RunOptions env(bool no_colour) const {
    RunOptions o;
    o.cwd = dir_.path();
    o.env["TERM"] = "xterm";
    if (no_colour) {
      o.env["NO_COLOR"] = "1";
    } else {
      o.unset_env.push_back("NO_COLOR");
    }
    for (const char* v : {"TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY"})
      o.unset_env.push_back(v);
    return o;
  }
  // stdout and stderr of tcplan on a pseudo-terminal (script merges them).
  ProcessResult on_tty(const std::vector<std::string>& rest, bool no_colour = false) const {
    std::string command = quoted(TCPLAN_BINARY);
    for (const auto& a : args(rest))
      command += " " + quoted(a);
    return run_process({"/usr/bin/script", "-qec", command, "/dev/null"}, env(no_colour));
  }
  ProcessResult on_pipe(const std::vector<std::string>& rest) const {
    return run_tcplan(args(rest), env(false));
  }

  TempDir dir_;
  std::filesystem::path db_ = test_store(dir_.path());
  LocalCloud cloud_;
};

TEST_F(Terminal, ColourOnATerminalOnlyAndNeverWithNoColor) {
  const std::string plan = (kPlans / "hdfs-rolling-restart.toml").string();
  auto tty = on_tty({"apply", plan, "--yes"});
  ASSERT_EQ(tty.exit_code, 0) << tty.out << tty.err;
  // Progress lines rewrite themselves in place on a terminal ...
  EXPECT_THAT(tty.out, HasSubstr("\r\033[K"));

  auto runs = on_tty({"runs"});
  EXPECT_THAT(runs.out, HasSubstr("\033[32msucceeded\033[0m"));
  auto error = on_tty({"status", "run-nope"});
  EXPECT_THAT(error.out, HasSubstr("\033[1;31merror:\033[0m no run run-nope"));

  auto plain = on_tty({"runs"}, /*no_colour=*/true);
  EXPECT_THAT(plain.out, HasSubstr("succeeded"));
  EXPECT_THAT(plain.out, Not(HasSubstr("\033[")));
  auto plain_error = on_tty({"status", "run-nope"}, true);
  EXPECT_THAT(plain_error.out, HasSubstr("error: no run run-nope"));
  EXPECT_THAT(plain_error.out, Not(HasSubstr("\033[")));

  auto piped = on_pipe({"runs"});
  EXPECT_THAT(piped.out, HasSubstr("succeeded"));
  EXPECT_THAT(piped.out + piped.err, Not(HasSubstr("\033[")));
}

TEST_F(Terminal, ProgressLinesArePlainTimestampedLinesOnAPipe) {
  auto piped = on_pipe({"apply", (kPlans / "hdfs-rolling-restart.toml").string(), "--yes"});
  ASSERT_EQ(piped.exit_code, 0) << piped.out << piped.err;
  EXPECT_THAT(piped.out + piped.err, Not(HasSubstr("\r")));
  EXPECT_THAT(piped.out + piped.err, Not(HasSubstr("\033[")));
  // "01:10:03Z restart-nn: ... (1.2s)": the time of day first, the elapsed time last.
  EXPECT_TRUE(
      std::regex_search(piped.err, std::regex(R"((^|\n)\d\d:\d\d:\d\dZ \S+: .*\(\d+\.\ds\))")))
      << piped.err;

  // --log-format json: progress lines are JSON lines too (the same plan again, on purpose).
  auto json_log = on_pipe({"--log-format", "json", "apply",
                           (kPlans / "hdfs-rolling-restart.toml").string(), "--yes", "--new-run"});
  ASSERT_EQ(json_log.exit_code, 0) << json_log.err;
  std::istringstream lines(json_log.err);
  std::string line;
  int progress = 0;
  while (std::getline(lines, line)) {
    if (line.find("\"type\":\"progress\"") == std::string::npos) continue;
    boost::json::value v = boost::json::parse(line);
    EXPECT_TRUE(v.at("time").is_string()) << line;
    ++progress;
  }
  EXPECT_GT(progress, 0) << json_log.err;
}

}  // namespace terminal_test
}  // namespace tcplan::testing
