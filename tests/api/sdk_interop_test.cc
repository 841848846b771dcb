// tcplan's requests judged by the vendor's own code: tests/sdk-interop/sdk_verify_server.js
// recomputes every signature with tencentcloud-sdk-nodejs's Sign.sign3 and answers like the
// cloud. `tcplan call ... --endpoint http://127.0.0.1:PORT` must be accepted (including
// params with Chinese text), and a wrong SecretKey must end in AuthFailure.SignatureFailure
// and exit 1. Node and the pinned SDK are part of the set-up (scripts/setup); without them
// this test fails, it does not skip.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "tests/api/child_process.h"
#include "tests/testing/process.h"
#include "tests/testing/store.h"

namespace tcplan::testing {
namespace sdk_interop_test {

namespace json = boost::json;

constexpr const char* kId = "AKIDsdkInterop0000000000000000000000";
constexpr const char* kKey = "sdk-interop-secret-key-0123456789";

const std::filesystem::path kInteropDir =
    std::filesystem::path(TCPLAN_SOURCE_DIR) / "tests" / "sdk-interop";

class SdkInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    auto node = run_process({"/usr/bin/env", "node", "--version"});
    ASSERT_EQ(node.exit_code, 0) << "node is not installed: run scripts/setup";
    ASSERT_TRUE(std::filesystem::exists(kInteropDir / "node_modules" / "tencentcloud-sdk-nodejs"))
        << "tencentcloud-sdk-nodejs is not installed in tests/sdk-interop: run scripts/setup";
    server_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"node", "sdk_verify_server.js"},
        std::map<std::string, std::string>{{"TCPLAN_VERIFY_SECRET_ID", kId},
                                           {"TCPLAN_VERIFY_SECRET_KEY", kKey}},
        kInteropDir.string());
    std::string line = server_->read_line(std::chrono::seconds(30));
    const std::string prefix = "listening on ";
    ASSERT_EQ(line.rfind(prefix, 0), 0u) << "server did not start: '" << line << "'";
    url_ = line.substr(prefix.size());
  }

  ProcessResult call(const std::string& key, const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"call", "emr",      "DescribeInstances", "--endpoint",
                                     url_,   "--region", "ap-guangzhou"};
    args.insert(args.end(), extra.begin(), extra.end());
    RunOptions o;
    o.env = {{"TENCENTCLOUD_SECRET_ID", kId},
             {"TENCENTCLOUD_SECRET_KEY", key},
             {"HOME", home_.path().string()},
             {"TCPLAN_AUDIT_DB", db_.string()}};
    o.unset_env = {"TENCENTCLOUD_TOKEN", "TENCENTCLOUD_REGION", "TENCENTCLOUD_CREDENTIALS_FILE"};
    o.cwd = home_.path();
    return run_tcplan(args, o);
  }

  TempDir home_;
  std::filesystem::path db_ = test_store(home_.path());  // each call records to it first
  std::unique_ptr<ChildProcess> server_;
  std::string url_;
};

TEST_F(SdkInterop, AcceptedWithChineseParams) {
  auto r = call(kKey, {"--params",
                       R"({"DisplayStrategy":"clusterList","InstanceIds":["emr-abc"],)"
                       R"("ProjectId":-1,"Remark":"测试集群：扩容 → 缩容 ✓"})",
                       "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto response = json::parse(r.out).as_object();
  EXPECT_EQ(response.at("Action"), "DescribeInstances");
  EXPECT_EQ(response.at("Version"), "2019-01-03");
  EXPECT_EQ(response.at("Region"), "ap-guangzhou");
  EXPECT_EQ(response.at("Params").at("Remark"), "测试集群：扩容 → 缩容 ✓");
  EXPECT_EQ(response.at("Params").at("ProjectId"), -1);
  EXPECT_FALSE(response.at("RequestId").as_string().empty());
  EXPECT_EQ(r.out.find(kKey), std::string::npos);
  EXPECT_EQ(r.err.find(kKey), std::string::npos);
}

TEST_F(SdkInterop, AcceptedWithParamsFromFileAndNoParams) {
  write_file(home_ / "params.json", R"({"Name":"名称","Nested":{"列表":[1,2,"三"]}})");
  auto r = call(kKey, {"--params", "@" + (home_ / "params.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto response = json::parse(r.out).as_object();
  EXPECT_EQ(response.at("Params").at("Nested").at("列表").at(2), "三");

  auto empty = call(kKey, {});
  ASSERT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_TRUE(json::parse(empty.out).at("Params").as_object().empty());
}

TEST_F(SdkInterop, WrongSecretKeyIsSignatureFailure) {
  auto plain = call("wrong-secret-key-value-987654321", {});
  EXPECT_EQ(plain.exit_code, 1) << plain.err;
  EXPECT_EQ(plain.err.rfind("error: AuthFailure.SignatureFailure: ", 0), 0u) << plain.err;

  const std::string wrong = "wrong-secret-key-value-987654321";
  auto r = call(wrong, {"--params", R"({"Remark":"中文"})", "--log-level", "trace"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  // Log lines (trace) come first; the error is a line of its own.
  EXPECT_NE(r.err.find("\nerror: AuthFailure.SignatureFailure: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(RequestId "), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_EQ(r.err.find(wrong), std::string::npos) << "the SecretKey leaked into stderr";
}

}  // namespace sdk_interop_test
}  // namespace tcplan::testing
