// The emulator as users run it: `tcplan emulator` as a process (first stdout line, SIGTERM ->
// exit 0), the official Node.js SDK against it (accepted with the right key, SignatureFailure
// with a wrong one, TC3 and v1, POST and GET), and the embedded emulator. All on the real model.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "emulator/embedded.h"
#include "emulator/local_emulator.h"
#include "tests/emulator/front_harness.h"
#include "tests/testing/process.h"

namespace tcplan::emulator::testing {
namespace front_process_test {

const std::filesystem::path kInteropDir =
    std::filesystem::path(TCPLAN_SOURCE_DIR) / "tests" / "sdk-interop";

// A child with its stdout on a pipe, so the test can read its first line with a deadline and
// signal it by pid.
class Child {
 public:
  explicit Child(std::vector<std::string> argv) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    std::vector<char*> args;
    for (auto& a : argv)
      args.push_back(a.data());
    args.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      close(out[0]);
      close(out[1]);
      execv(args[0], args.data());
      _exit(127);
    }
    close(out[1]);
    out_ = out[0];
  }
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(out_);
  }
  std::string read_line(std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string line;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char c;
      if (read(out_, &c, 1) != 1) break;
      if (c == '\n') return line;
      line += c;
    }
    return line;
  }
  int signal_and_wait(int sig) {
    kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
};

std::int64_t real_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A valid call signed now: the process under test checks skew against the real clock.
Call now_call() {
  Call c;
  c.timestamp = real_now();
  return c;
}

std::uint16_t port_of(const std::string& url) {
  return static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
}

TEST(FrontProcess, StandaloneServesUntilSigtermAndExitsZero) {
  for (int sig : {SIGTERM, SIGINT}) {
    Child child({TCPLAN_BINARY, "emulator", "--listen", "127.0.0.1:0"});
    const std::string line = child.read_line(std::chrono::seconds(30));
    ASSERT_EQ(line.rfind("listening on http://127.0.0.1:", 0), 0u) << line;
    const std::string url = line.substr(std::string("listening on ").size());
    Connection conn(port_of(url));
    Reply r = conn.send(sign(now_call(), port_of(url)));
    EXPECT_EQ(r.code(), "") << r.body;  // the default local key pair, real wall clock
    EXPECT_EQ(child.signal_and_wait(sig), 0);
  }
}

TEST(FrontProcess, StandaloneRejectsABadFaultsFile) {
  tcplan::testing::TempDir dir;
  tcplan::testing::write_file(dir / "faults.toml", "[[fault]]\nnth = 1\n");
  auto result = tcplan::testing::run_tcplan(
      {"emulator", "--listen", "127.0.0.1:0", "--faults", (dir / "faults.toml").string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("faults.toml:1"), std::string::npos) << result.err;
}

class SdkAgainstEmulator : public ::testing::Test {
 protected:
  void SetUp() override {
    auto node = tcplan::testing::run_process({"/usr/bin/env", "node", "--version"});
    ASSERT_EQ(node.exit_code, 0) << "node is not installed: run scripts/setup";
    ASSERT_TRUE(std::filesystem::exists(kInteropDir / "node_modules" / "tencentcloud-sdk-nodejs"))
        << "tencentcloud-sdk-nodejs is not installed in tests/sdk-interop: run scripts/setup";
    LocalEmulatorOptions options;
    options.secret_id = "AKIDsdkAgainstEmulator000000000000000";
    options.secret_key = "sdk-against-emulator-key";
    instance_ = LocalEmulator::start(options);
  }

  json::object call(const std::string& key, const std::string& sign_method,
                    const std::string& http_method) {
    tcplan::testing::RunOptions o;
    o.cwd = kInteropDir;
    o.env = {{"TCPLAN_SECRET_ID", "AKIDsdkAgainstEmulator000000000000000"},
             {"TCPLAN_SECRET_KEY", key}};
    auto r = tcplan::testing::run_process(
        {"/usr/bin/env", "node", "emulator_client.js", instance_->url(), "2019-01-03",
         "DescribeInstances", R"({"DisplayStrategy":"clusterList","Limit":10})", sign_method,
         http_method},
        o);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out).as_object();
  }

  std::unique_ptr<LocalEmulator> instance_;
};

TEST_F(SdkAgainstEmulator, AcceptsTheRightKeyAndRejectsAWrongOne) {
  for (const std::string sign_method : {"TC3-HMAC-SHA256", "HmacSHA1", "HmacSHA256"}) {
    for (const std::string http_method : {"POST", "GET"}) {
      SCOPED_TRACE(sign_method + " " + http_method);
      json::object ok = call("sdk-against-emulator-key", sign_method, http_method);
      EXPECT_TRUE(ok.at("ok").as_bool()) << json::serialize(ok);
      json::object bad = call("not-the-key", sign_method, http_method);
      EXPECT_FALSE(bad.at("ok").as_bool());
      EXPECT_EQ(json::value_to<std::string>(bad.at("code")), "AuthFailure.SignatureFailure");
    }
  }
}

TEST(FrontProcess, EmbeddedServesOnLoopbackWithItsStateFile) {
  tcplan::testing::TempDir dir;
  EmbeddedOptions options;
  options.state_file = dir / "emulator-state.db";
  auto embedded = Embedded::start(options);
  const std::string url = embedded->url();
  ASSERT_EQ(url.rfind("http://127.0.0.1:", 0), 0u) << url;
  Connection conn(port_of(url));
  EXPECT_EQ(conn.send(sign(now_call(), port_of(url))).code(), "");
  embedded.reset();
  EXPECT_TRUE(std::filesystem::exists(options.state_file));
}

}  // namespace front_process_test
}  // namespace tcplan::emulator::testing
