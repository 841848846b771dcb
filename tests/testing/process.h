// Test helpers: a scratch directory removed at the end of a test, and running a program
// (usually the tcplan binary) with its exit code, stdout and stderr captured.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace tcplan::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

struct ProcessResult {
  int exit_code = -1;  // the exit status, or 128 + signal number when killed by a signal
  std::string out;
  std::string err;
};

struct RunOptions {
  std::map<std::string, std::string> env;  // added to (or overriding) the inherited environment
  std::vector<std::string> unset_env;      // removed from the inherited environment
  std::string stdin_data;
  std::filesystem::path cwd;
  std::chrono::seconds timeout{120};  // a hung child is killed and the test fails loudly
  // run_tcplan: the shipped binary, or its test build with the hooks the crash tests use
  // (TCPLAN_TEST_KILL_AFTER_EVENTS, short lease timings: tests/testbin/tcplan_test_main.cc).
  bool test_hooks = false;
};

ProcessResult run_process(const std::vector<std::string>& argv, const RunOptions& options = {});

// Runs the tcplan binary built alongside the tests.
ProcessResult run_tcplan(const std::vector<std::string>& args, const RunOptions& options = {});

// The XDG_STATE_HOME a tcplan child gets when its test gives none: one temp dir per test
// process, never the developer's own state nor the working directory.
const std::filesystem::path& test_state_home();

std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& contents);

}  // namespace tcplan::testing
