// `tcplan` started in the background, for tests that must act while it runs (send it a signal
// once the audit trail shows it inside a wait). run_process() in tests/testing only runs to
// exit. Output goes to files, so a chatty child never blocks on a full pipe.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/testing/local_cloud.h"
#include "tests/testing/process.h"

extern char** environ;

namespace tcplan::testing::crash {

struct BackgroundOptions {
  bool test_hooks = false;                 // the test build of the binary (RunOptions)
  std::map<std::string, std::string> env;  // added to the environment
  bool terminal = false;                   // stdin is a pseudo-terminal (the approval prompt)
  std::string name = "run";                // output files: dir/<name>.out, dir/<name>.err
};

class Background {
 public:
  // Runs `tcplan` against `cloud` like run_tcplan_against(), in `dir` (stdout and stderr go
  // to dir/<name>.out and dir/<name>.err).
  Background(const LocalCloud& cloud, const std::filesystem::path& audit_db,
             const std::vector<std::string>& args, const std::filesystem::path& dir,
             const BackgroundOptions& options = {})
      : out_path_(dir / (options.name + ".out")), err_path_(dir / (options.name + ".err")) {
    std::vector<std::string> argv{options.test_hooks ? TCPLAN_TEST_BINARY : TCPLAN_BINARY,
                                  "--endpoint",
                                  cloud.url(),
                                  "--region",
                                  "ap-guangzhou",
                                  "--time-scale",
                                  std::to_string(cloud.time_scale()),
                                  "--audit-db",
                                  audit_db.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
      std::string kv = *e;
      std::string name = kv.substr(0, kv.find('='));
      // The local key pair is used when no credentials are found: make sure none are.
      if (name.rfind("TENCENTCLOUD_", 0) == 0 || name == "HOME") continue;
      env.push_back(kv);
    }
    env.push_back("HOME=" + dir.string());
    for (const auto& [k, v] : options.env)
      env.push_back(k + "=" + v);
    std::vector<char*> argp, envp;
    for (auto& a : argv)
      argp.push_back(a.data());
    argp.push_back(nullptr);
    for (auto& e : env)
      envp.push_back(e.data());
    envp.push_back(nullptr);
    int out = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    // The child keeps the write end open until it exits: EOF on the read end is its exit,
    // which poll() can wait for with a deadline.
    int exit_pipe[2];
    if (out < 0 || err < 0 || pipe2(exit_pipe, O_CLOEXEC) != 0)
      throw std::runtime_error("Background: cannot open output files or pipe in " + dir.string());
    int terminal = -1;
    if (options.terminal && openpty(&terminal_, &terminal, nullptr, nullptr, nullptr) != 0)
      throw std::runtime_error("Background: openpty failed");
    std::string cwd = dir.string();
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("Background: fork failed");
    if (pid_ == 0) {
      dup2(out, 1);
      dup2(err, 2);
      dup2(exit_pipe[1], 3);  // dup2 clears O_CLOEXEC: fd 3 lives as long as the child
      if (terminal >= 0) {
        setsid();  // the terminal becomes the child's, as in a shell
        dup2(terminal, 0);
      } else {
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
      }
      if (chdir(cwd.c_str()) != 0) _exit(126);
      execve(argp[0], argp.data(), envp.data());
      _exit(127);
    }
    close(out);
    close(err);
    close(exit_pipe[1]);
    if (terminal >= 0) close(terminal);
    exit_fd_ = exit_pipe[0];
  }
  ~Background() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (exit_fd_ >= 0) close(exit_fd_);
    if (terminal_ >= 0) close(terminal_);
  }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  void signal(int sig) const {
    if (pid_ > 0) kill(pid_, sig);
  }
  pid_t pid() const { return pid_; }
  // What the child has written so far.
  std::string out() const { return read_file(out_path_); }
  std::string err() const { return read_file(err_path_); }

  // Waits for the child to exit; its exit status (128 + signal when killed by one), or nullopt
  // after `limit` (the child is then left running for the destructor to kill).
  std::optional<ProcessResult> wait(std::chrono::milliseconds limit) {
    if (pid_ <= 0) return result_;
    pollfd p{exit_fd_, POLLIN, 0};
    int ready = poll(&p, 1, static_cast<int>(limit.count()));
    if (ready <= 0) return std::nullopt;
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    result_.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result_.out = read_file(out_path_);
    result_.err = read_file(err_path_);
    return result_;
  }

 private:
  std::filesystem::path out_path_, err_path_;
  pid_t pid_ = -1;
  int exit_fd_ = -1;
  int terminal_ = -1;  // the pseudo-terminal's master side, when stdin is one
  ProcessResult result_;
};

}  // namespace tcplan::testing::crash
