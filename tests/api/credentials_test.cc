// The credentials chain with a fake environment and a temporary HOME: precedence, profiles,
// tccli files, and the errors for half-set or empty sources (which must never echo a secret).
#include "api/credentials.h"

#include <gtest/gtest.h>

#include <map>

#include "tests/testing/process.h"

namespace tcplan::api {
namespace credentials_test {

using testing::TempDir;
using testing::write_file;

class CredentialsTest : public ::testing::Test {
 protected:
  CredentialEnvironment env() {
    CredentialEnvironment e;
    e.getenv = [this](const std::string& name) -> std::optional<std::string> {
      auto it = vars.find(name);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
    e.home = home.path();
    return e;
  }
  void write_ini(const std::string& text) {
    std::filesystem::create_directories(home.path() / ".tencentcloud");
    write_file(home.path() / ".tencentcloud" / "credentials", text);
  }
  void write_tccli(const std::string& profile, const std::string& credential,
                   const std::string& configure = "") {
    std::filesystem::create_directories(home.path() / ".tccli");
    write_file(home.path() / ".tccli" / (profile + ".credential"), credential);
    if (!configure.empty())
      write_file(home.path() / ".tccli" / (profile + ".configure"), configure);
  }

  TempDir home;
  std::map<std::string, std::string> vars;
};

TEST_F(CredentialsTest, EnvironmentWinsOverFiles) {
  write_ini("[default]\nsecret_id = AKIDfile\nsecret_key = filekey\n");
  vars = {{"TENCENTCLOUD_SECRET_ID", "AKIDenv"},
          {"TENCENTCLOUD_SECRET_KEY", "envkey"},
          {"TENCENTCLOUD_TOKEN", "tok"},
          {"TENCENTCLOUD_REGION", "ap-beijing"}};
  auto c = load_credentials("default", env());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->secret_id, "AKIDenv");
  EXPECT_EQ(c->secret_key, "envkey");
  EXPECT_EQ(c->token, "tok");
  EXPECT_EQ(c->region, "ap-beijing");
  EXPECT_EQ(c->source, "environment");
}

TEST_F(CredentialsTest, SetButEmptyVariableIsAnErrorNamingIt) {
  for (const char* name :
       {"TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_TOKEN",
        "TENCENTCLOUD_REGION", "TENCENTCLOUD_CREDENTIALS_FILE"}) {
    SCOPED_TRACE(name);
    vars = {{"TENCENTCLOUD_SECRET_ID", "AKIDenv"}, {"TENCENTCLOUD_SECRET_KEY", "envkey"}};
    vars[name] = "";
    auto c = load_credentials("default", env());
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find(name), std::string::npos) << c.error().message;
    EXPECT_NE(c.error().message.find("empty"), std::string::npos) << c.error().message;
  }
}

TEST_F(CredentialsTest, HalfAnEnvironmentPairIsAnError) {
  vars = {{"TENCENTCLOUD_SECRET_KEY", "only-the-key-secret"}};
  auto c = load_credentials("default", env());
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("TENCENTCLOUD_SECRET_ID"), std::string::npos);
  EXPECT_EQ(c.error().message.find("only-the-key-secret"), std::string::npos);

  vars = {{"TENCENTCLOUD_SECRET_ID", "AKIDenv"}};
  c = load_credentials("default", env());
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("TENCENTCLOUD_SECRET_KEY"), std::string::npos);
}

TEST_F(CredentialsTest, DefaultCredentialsFileSectionsAndComments) {
  write_ini(
      "# keys for tests\n[default]\nsecret_id = AKIDdefault\nsecret_key = \"defaultkey\"\n"
      "region = ap-shanghai\n\n; another\n[prod]\nsecret_id=AKIDprod\nsecret_key=prodkey\n");
  auto c = load_credentials("default", env());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->secret_id, "AKIDdefault");
  EXPECT_EQ(c->secret_key, "defaultkey");
  EXPECT_EQ(c->region, "ap-shanghai");
  EXPECT_NE(c->source.find(".tencentcloud/credentials [default]"), std::string::npos) << c->source;

  auto p = load_credentials("prod", env());
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->secret_id, "AKIDprod");
  EXPECT_EQ(p->secret_key, "prodkey");
}

TEST_F(CredentialsTest, NamedProfileIgnoresEnvironmentKeys) {
  write_ini("[prod]\nsecret_id=AKIDprod\nsecret_key=prodkey\n");
  vars = {{"TENCENTCLOUD_SECRET_ID", "AKIDenv"}, {"TENCENTCLOUD_SECRET_KEY", "envkey"}};
  auto c = load_credentials("prod", env());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->secret_id, "AKIDprod");
}

TEST_F(CredentialsTest, CredentialsFileVariableOverridesHome) {
  write_ini("[default]\nsecret_id=AKIDhome\nsecret_key=homekey\n");
  TempDir other;
  write_file(other / "creds.ini", "[default]\nsecret_id=AKIDnamed\nsecret_key=namedkey\n");
  vars = {{"TENCENTCLOUD_CREDENTIALS_FILE", (other / "creds.ini").string()}};
  auto c = load_credentials("default", env());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->secret_id, "AKIDnamed");
}

TEST_F(CredentialsTest, UnreadableNamedCredentialsFileIsAnError) {
  vars = {{"TENCENTCLOUD_CREDENTIALS_FILE", (home / "missing.ini").string()}};
  auto c = load_credentials("default", env());
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("TENCENTCLOUD_CREDENTIALS_FILE"), std::string::npos);
  EXPECT_NE(c.error().message.find("missing.ini"), std::string::npos);
}

TEST_F(CredentialsTest, HalfAPairInAFileIsAnErrorWithoutTheSecret) {
  write_ini("[default]\nsecret_key = lonely-secret-value\n");
  auto c = load_credentials("default", env());
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("secret_id"), std::string::npos) << c.error().message;
  EXPECT_EQ(c.error().message.find("lonely-secret-value"), std::string::npos);
}

TEST_F(CredentialsTest, MalformedIniLineNamesLineNotContent) {
  write_ini("[default]\nthis-line-is-a-pasted-secret\n");
  auto c = load_credentials("default", env());
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find(":2:"), std::string::npos) << c.error().message;
  EXPECT_EQ(c.error().message.find("pasted-secret"), std::string::npos);
}

TEST_F(CredentialsTest, TccliProfileWithRegionFromConfigure) {
  write_tccli(
      "default", R"({"secretId":"AKIDtccli","secretKey":"tcclikey","token":"t1"})",
      R"({"_sys_param":{"region":"ap-chengdu","output":"json"},"emr":{"version":"2019-01-03"}})");
  auto c = load_credentials("default", env());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->secret_id, "AKIDtccli");
  EXPECT_EQ(c->secret_key, "tcclikey");
  EXPECT_EQ(c->token, "t1");
  EXPECT_EQ(c->region, "ap-chengdu");
  EXPECT_NE(c->source.find("default.credential"), std::string::npos);
}

TEST_F(CredentialsTest, CredentialsFileComesBeforeTccli) {
  write_ini("[default]\nsecret_id=AKIDini\nsecret_key=inikey\n");
  write_tccli("default", R"({"secretId":"AKIDtccli","secretKey":"tcclikey"})");
  auto c = load_credentials("default", env());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->secret_id, "AKIDini");
}

TEST_F(CredentialsTest, MissingSectionFallsThroughToTccli) {
  write_ini("[other]\nsecret_id=AKIDother\nsecret_key=otherkey\n");
  write_tccli("default", R"({"secretId":"AKIDtccli","secretKey":"tcclikey"})");
  auto c = load_credentials("default", env());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->secret_id, "AKIDtccli");
}

TEST_F(CredentialsTest, EnvironmentRegionOverridesFileRegion) {
  write_ini("[default]\nsecret_id=AKIDini\nsecret_key=inikey\nregion=ap-shanghai\n");
  vars = {{"TENCENTCLOUD_REGION", "na-ashburn"}};
  auto c = load_credentials("default", env());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->region, "na-ashburn");
}

TEST_F(CredentialsTest, NothingFoundListsWhatWasTried) {
  auto c = load_credentials("default", env());
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("TENCENTCLOUD_SECRET_ID"), std::string::npos);
  EXPECT_NE(c.error().message.find(".tencentcloud/credentials"), std::string::npos);
  EXPECT_NE(c.error().message.find(".tccli/default.credential"), std::string::npos);

  auto found = find_credentials("default", env());
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->has_value());
}

TEST_F(CredentialsTest, BrokenTccliJsonIsAnError) {
  write_tccli("default", "{not json");
  auto c = load_credentials("default", env());
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("default.credential"), std::string::npos);
}

}  // namespace credentials_test
}  // namespace tcplan::api
