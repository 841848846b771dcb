// `tcplan call` end to end: the real binary against a loopback server that checks signatures.
// Output and exit codes, global options on either side of the subcommand, the credentials
// chain through the environment and HOME, and logging — which must show action, host and
// timing at debug and never the SecretKey at any level.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <sstream>

#include "tests/api/cloud_stub.h"
#include "tests/api/loopback_server.h"
#include "tests/testing/process.h"
#include "tests/testing/store.h"

namespace tcplan::testing {
namespace call_command_test {

namespace json = boost::json;

constexpr const char* kId = "AKIDcallCommandTest00000000000000000";
constexpr const char* kKey = "call-command-secret-key-abcdef123456";

class CallCommand : public ::testing::Test {
 protected:
  CallCommand()
      : server_([this](const ServerRequest& r) {
          if (reply_override_) return *reply_override_;
          return cloud_reply(r, kId, kKey);
        }) {}

  // A clean environment: no credentials but those a test gives, HOME in a temp dir.
  RunOptions env(std::map<std::string, std::string> vars = {}) {
    RunOptions o;
    o.unset_env = {"TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY",       "TENCENTCLOUD_TOKEN",
                   "TENCENTCLOUD_REGION",    "TENCENTCLOUD_CREDENTIALS_FILE", "TCCLI_PROFILE"};
    o.env = std::move(vars);
    o.env["HOME"] = home_.path().string();
    o.env["TCPLAN_AUDIT_DB"] = db_.string();
    o.cwd = home_.path();
    return o;
  }
  RunOptions env_keys(const std::string& key = kKey) {
    return env({{"TENCENTCLOUD_SECRET_ID", kId}, {"TENCENTCLOUD_SECRET_KEY", key}});
  }
  std::vector<std::string> call(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"call", "emr", "DescribeInstances", "--endpoint",
                                     server_.url()};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  TempDir home_;
  std::filesystem::path db_ = test_store(home_.path());  // each call records to it first
  std::optional<ServerReply> reply_override_;
  LoopbackServer server_;
};

TEST_F(CallCommand, SuccessPrintsTheResponseAsJson) {
  auto r =
      run_tcplan(call({"--params", R"({"DisplayStrategy":"clusterList","Limit":10})"}), env_keys());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto response = json::parse(r.out).as_object();
  EXPECT_EQ(response.at("Params").at("Limit"), 10);
  EXPECT_EQ(response.at("Region"), "ap-guangzhou") << "local target default region";
  EXPECT_FALSE(response.at("RequestId").as_string().empty());
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST_F(CallCommand, GlobalOptionsBeforeOrAfterTheSubcommand) {
  auto before = run_tcplan({"--endpoint", server_.url(), "--region", "ap-beijing", "--output",
                            "json", "call", "emr", "DescribeInstances"},
                           env_keys());
  ASSERT_EQ(before.exit_code, 0) << before.err;
  EXPECT_EQ(json::parse(before.out).at("Region"), "ap-beijing");
  auto after =
      run_tcplan({"call", "cvm", "TerminateInstances", "--region", "ap-shanghai", "--endpoint",
                  server_.url(), "--output", "json", "--version", "2017-03-12"},
                 env_keys());
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(json::parse(after.out).at("Region"), "ap-shanghai");
  EXPECT_EQ(json::parse(after.out).at("Action"), "TerminateInstances");
  auto got = server_.received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NE(got[1].header("authorization").find("/cvm/tc3_request"), std::string::npos);
}

TEST_F(CallCommand, ApiErrorGoesToStderrWithExitOne) {
  reply_override_ =
      cloud_error("ResourceInUse.InstanceInProcess", "The instance is under workflow.");
  auto r = run_tcplan(call(), env_keys());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_EQ(r.err.rfind("error: ResourceInUse.InstanceInProcess: The instance is under workflow. "
                        "(RequestId req-",
                        0),
            0u)
      << r.err;
  EXPECT_EQ(r.err.back(), '\n');
}

TEST_F(CallCommand, WrongKeyIsSignatureFailure) {
  auto r = run_tcplan(call(), env_keys("a-wrong-secret-key-000000000"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("error: AuthFailure.SignatureFailure: ", 0), 0u) << r.err;
}

TEST_F(CallCommand, TransportFailureIsExitOne) {
  reply_override_ = ServerReply::drop();
  auto r = run_tcplan(call(), env_keys());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("error: ClientError.NetworkError: ", 0), 0u) << r.err;
}

TEST_F(CallCommand, BadParamsAreUsageErrors) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const Case cases[] = {
      {{"--params", "{not json"}, "--params is not valid JSON"},
      {{"--params", "[1,2]"}, "must be a JSON object"},
      {{"--params", "@" + (home_ / "missing.json").string()}, "cannot read params file"},
  };
  for (const auto& c : cases) {
    auto r = run_tcplan(call(c.args), env_keys());
    EXPECT_EQ(r.exit_code, 2) << c.message;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
  }
  EXPECT_EQ(server_.requests(), 0);
  auto missing_action = run_tcplan({"call", "emr"}, env_keys());
  EXPECT_EQ(missing_action.exit_code, 2);
  EXPECT_NE(missing_action.err.find("action"), std::string::npos) << missing_action.err;
}

TEST_F(CallCommand, ParamsFromFileAndStdin) {
  write_file(home_ / "p.json", R"({"InstanceIds":["emr-1"],"Note":"中文"})");
  auto file = run_tcplan(call({"--params", "@" + (home_ / "p.json").string()}), env_keys());
  ASSERT_EQ(file.exit_code, 0) << file.err;
  EXPECT_EQ(json::parse(file.out).at("Params").at("Note"), "中文");

  RunOptions o = env_keys();
  o.stdin_data = R"({"Offset":5})";
  auto in = run_tcplan(call({"--params", "@-"}), o);
  ASSERT_EQ(in.exit_code, 0) << in.err;
  EXPECT_EQ(json::parse(in.out).at("Params").at("Offset"), 5);
}

TEST_F(CallCommand, TableOutputOnlyWhenAskedFor) {
  auto r = run_tcplan(call({"--output", "table", "--params", R"({"Limit":3})"}), env_keys());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Action     DescribeInstances\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(R"(Params     {"Limit":3})"), std::string::npos) << r.out;
}

TEST_F(CallCommand, DebugLogShowsActionHostAndTiming) {
  auto r = run_tcplan(call({"--log-level", "debug"}), env_keys());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string host = "host=127.0.0.1:" + std::to_string(server_.port());
  EXPECT_NE(r.err.find("call emr DescribeInstances"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(host), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("HTTP 200 ok in "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" ms RequestId req-"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("Signature="), std::string::npos) << "signature at debug level";
}

TEST_F(CallCommand, SecretKeyNeverAppearsAtAnyLogLevel) {
  const std::string wrong = "another-wrong-secret-key-4242424242";
  for (const char* format : {"text", "json"}) {
    for (const auto& [key, expect_exit] :
         std::vector<std::pair<std::string, int>>{{kKey, 0}, {wrong, 1}}) {
      SCOPED_TRACE(std::string(format) + " exit " + std::to_string(expect_exit));
      RunOptions o = env_keys(key);
      o.env["TENCENTCLOUD_TOKEN"] = "session-token-must-not-show";
      auto r = run_tcplan(call({"--log-level", "trace", "--log-format", format, "--params",
                                R"({"LoginSettings":{"Password":"pw-must-not-show"}})"}),
                          o);
      EXPECT_EQ(r.exit_code, expect_exit) << r.err;
      for (const std::string& secret :
           {key, std::string("session-token-must-not-show"), std::string("pw-must-not-show")}) {
        if (secret == "pw-must-not-show" && expect_exit == 0) {
          // The echo server returns the params it got on stdout; logs must still hide it.
          EXPECT_EQ(r.err.find(secret), std::string::npos) << r.err;
          continue;
        }
        EXPECT_EQ(r.out.find(secret), std::string::npos) << secret << " in stdout";
        EXPECT_EQ(r.err.find(secret), std::string::npos) << secret << " in stderr";
      }
      // Trace shows the redacted request.
      EXPECT_NE(r.err.find("Signature=[REDACTED]"), std::string::npos) << r.err;
    }
  }
  // Nothing else was written next to the run either.
  for (const auto& entry : std::filesystem::recursive_directory_iterator(home_.path())) {
    if (entry.is_regular_file()) {
      EXPECT_EQ(read_file(entry.path()).find(kKey), std::string::npos) << entry.path();
    }
  }
}

TEST_F(CallCommand, JsonLogLinesAreValidJson) {
  auto r = run_tcplan(call({"--log-level", "trace", "--log-format", "json", "--params",
                            R"({"Quote":"say \"hi\"\nnext line\\"})"}),
                      env_keys());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.err);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    boost::system::error_code ec;
    auto v = json::parse(line, ec);
    ASSERT_FALSE(ec) << "not JSON: " << line;
    EXPECT_TRUE(v.as_object().contains("time"));
    EXPECT_TRUE(v.as_object().contains("level"));
    EXPECT_TRUE(v.as_object().contains("msg"));
    ++count;
  }
  EXPECT_GE(count, 3);
}

TEST_F(CallCommand, CredentialsFromNamedFile) {
  write_file(home_ / "creds.ini", std::string("[default]\nsecret_id = ") + kId +
                                      "\nsecret_key = " + kKey + "\nregion = ap-chengdu\n");
  auto r =
      run_tcplan(call(), env({{"TENCENTCLOUD_CREDENTIALS_FILE", (home_ / "creds.ini").string()}}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out).at("Region"), "ap-chengdu");
}

TEST_F(CallCommand, CredentialsFromHomeFileWithProfile) {
  std::filesystem::create_directories(home_ / ".tencentcloud");
  write_file(
      home_ / ".tencentcloud" / "credentials",
      std::string("[default]\nsecret_id = AKIDwrong\nsecret_key = wrong\n[prod]\nsecret_id = ") +
          kId + "\nsecret_key = " + kKey + "\n");
  auto prod = run_tcplan(call({"--profile", "prod"}), env());
  ASSERT_EQ(prod.exit_code, 0) << prod.err;
  auto dflt = run_tcplan(call(), env());
  EXPECT_EQ(dflt.exit_code, 1);
  EXPECT_EQ(dflt.err.rfind("error: AuthFailure.SecretIdNotFound", 0), 0u) << dflt.err;
}

TEST_F(CallCommand, CredentialsFromTccliProfile) {
  std::filesystem::create_directories(home_ / ".tccli");
  write_file(home_ / ".tccli" / "default.credential",
             std::string(R"({"secretId":")") + kId + R"(","secretKey":")" + kKey + R"("})");
  write_file(home_ / ".tccli" / "default.configure", R"({"_sys_param":{"region":"ap-tokyo"}})");
  auto r = run_tcplan(call(), env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out).at("Region"), "ap-tokyo");
}

TEST_F(CallCommand, EmptyCredentialVariableIsAUsageError) {
  auto r =
      run_tcplan(call(), env({{"TENCENTCLOUD_SECRET_ID", ""}, {"TENCENTCLOUD_SECRET_KEY", kKey}}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("TENCENTCLOUD_SECRET_ID is set but empty"), std::string::npos) << r.err;
  EXPECT_EQ(server_.requests(), 0);
}

TEST_F(CallCommand, CloudTargetNeedsCredentialsAndRegion) {
  auto none = run_tcplan({"call", "emr", "DescribeInstances", "--target", "cloud"}, env());
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("no credentials"), std::string::npos) << none.err;
  auto no_region = run_tcplan(call({"--target", "cloud"}), env_keys());
  EXPECT_EQ(no_region.exit_code, 2);
  EXPECT_NE(no_region.err.find("no region"), std::string::npos) << no_region.err;
  EXPECT_EQ(server_.requests(), 0);
}

TEST_F(CallCommand, PlainHttpToARemoteHostIsRefused) {
  auto r = run_tcplan({"call", "emr", "DescribeInstances", "--endpoint", "http://example.com/"},
                      env_keys());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("ClientError.InvalidRequest"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("https://"), std::string::npos) << r.err;
}

TEST_F(CallCommand, LocalTargetWithoutEndpointUsesTheEmbeddedEmulator) {
  auto r =
      run_tcplan({"call", "emr", "DescribeInstances", "--audit-db", (home_ / "audit.db").string(),
                  "--output", "json", "--params", R"({"DisplayStrategy":"clusterList"})"},
                 env_keys());
  // Until the embedded emulator lands this is a clean one-line error; once it does, a real
  // answer. Either way: no crash, no stack of messages, and not our loopback server.
  if (r.exit_code == 0) {
    EXPECT_TRUE(json::parse(r.out).as_object().contains("RequestId")) << r.out;
  } else {
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_EQ(r.err.rfind("error: cannot start the local emulator: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  EXPECT_EQ(server_.requests(), 0);
}

}  // namespace call_command_test
}  // namespace tcplan::testing
