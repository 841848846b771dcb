// The client refuses hostile input before anything leaves: a region or header value that
// would inject a header (CR/LF) or redirect the host, header names that are not tokens; a
// proxy from the environment never sees plain-http loopback traffic (all of 127.0.0.0/8); and
// a process holding credentials cannot dump core, with key bytes wiped when they are freed.
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <optional>

#include "api/client.h"
#include "api/credentials.h"
#include "api/transport.h"
#include "tests/api/cloud_stub.h"
#include "tests/api/loopback_server.h"

namespace tcplan::api {
namespace client_hardening_test {

using testing::LoopbackServer;
using testing::ServerReply;
using testing::ServerRequest;

constexpr const char* kId = "AKIDclientHardening0000000000000000";
constexpr const char* kKey = "client-hardening-secret-key-value";

Credentials creds(std::string token = "") {
  Credentials c;
  c.secret_id = kId;
  c.secret_key = kKey;
  c.token = std::move(token);
  return c;
}

LoopbackServer::Handler cloud() {
  return [](const ServerRequest& r) { return testing::cloud_reply(r, kId, kKey); };
}

class CountingObserver : public CallObserver {
 public:
  base::Status<base::Error> before_send(const Attempt&) override {
    ++recorded;
    return {};
  }
  void after_receive(const Attempt&, const Outcome&) override {}
  std::atomic<int> recorded{0};
};

CallRequest describe(std::string region = "") {
  CallRequest r;
  r.service = "emr";
  r.action = "DescribeInstances";
  r.region = std::move(region);
  return r;
}

ClientOptions options_for(const LoopbackServer& server) {
  ClientOptions o;
  o.endpoint = server.url();
  o.region = "ap-guangzhou";
  return o;
}

TEST(ClientHardening, AHeaderInjectionThroughTheRegionIsRefusedBeforeSending) {
  LoopbackServer server(cloud());
  Client client(creds(), options_for(server));
  CountingObserver observer;
  for (const std::string region :
       {"ap-guangzhou\r\nX-Injected: 1", "ap-guangzhou\n", "AP-GUANGZHOU", "ap guangzhou",
        "ap-guangzhou.evil.example/#", "ap_guangzhou"}) {
    auto r = client.call(describe(region), &observer);
    ASSERT_FALSE(r) << region;
    EXPECT_EQ(r.error().code, kInvalidRequest) << region;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << r.error().message;
  }
  EXPECT_EQ(observer.recorded.load(), 0) << "a refused call must not even be recorded as sent";
  EXPECT_EQ(server.requests(), 0);

  auto ok = client.call(describe("ap-shanghai-fsi"), &observer);
  ASSERT_TRUE(ok) << ok.error().to_string();
  EXPECT_EQ(server.received().at(0).header("x-tc-region"), "ap-shanghai-fsi");
}

TEST(ClientHardening, TheDefaultRegionAndTheServiceAreCheckedToo) {
  LoopbackServer server(cloud());
  ClientOptions o = options_for(server);
  o.region = "ap-guangzhou\r\nX-Injected: 1";
  Client client(creds(), o);
  auto r = client.call(describe());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kInvalidRequest);

  Client good(creds(), options_for(server));
  CallRequest bad_service = describe();
  bad_service.service = "emr.evil.example";
  r = good.call(bad_service);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kInvalidRequest);
  EXPECT_EQ(server.requests(), 0);
}

TEST(ClientHardening, ControlCharactersInAnyHeaderValueAreRefused) {
  LoopbackServer server(cloud());
  CountingObserver observer;
  // A session token pasted with its line break, and an action or version from a plan.
  Client with_token(creds("token-value\r\nX-Injected: 1"), options_for(server));
  auto r = with_token.call(describe(), &observer);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kInvalidRequest);
  EXPECT_EQ(r.error().message.find("token-value"), std::string::npos) << "never echo the value";

  Client client(creds(), options_for(server));
  CallRequest action = describe();
  action.action = "DescribeInstances\r\nX-Injected: 1";
  EXPECT_FALSE(client.call(action, &observer));
  CallRequest version = describe();
  version.version = std::string("2019-01-03\0x", 12);
  EXPECT_FALSE(client.call(version, &observer));
  EXPECT_EQ(observer.recorded.load(), 0);
  EXPECT_EQ(server.requests(), 0);
}

TEST(ClientHardening, HeaderProblemTable) {
  struct Case {
    std::string name, value;
    bool ok;
  };
  const std::vector<Case> cases = {
      {"X-TC-Region", "ap-guangzhou", true},
      {"User-Agent", "tcplan/0.1.0 (linux; x86_64)", true},
      {"X-Tab", "a\tb", true},
      {"X-UTF8", "\xe5\xb9\xbf\xe5\xb7\x9e", true},
      {"X-CR", "a\rb", false},
      {"X-LF", "a\nb", false},
      {"X-NUL", std::string("a\0b", 3), false},
      {"X-DEL", "a\x7f", false},
      {"X-Esc", "\x1b[31m", false},
      {"", "x", false},
      {"X Space", "x", false},
      {"X:Colon", "x", false},
      {"X-\xe5", "x", false},
  };
  for (const auto& c : cases) {
    auto problem = header_problem(c.name, c.value);
    EXPECT_EQ(!problem.has_value(), c.ok) << c.name;
    if (problem && !c.value.empty() && c.value != "x") {
      EXPECT_EQ(problem->find(c.value), std::string::npos) << *problem;
    }
  }
}

TEST(ClientHardening, TheTransportRefusesAnInjectedHeaderOnItsOwn) {
  LoopbackServer server(cloud());
  Transport transport;
  HttpRequest request;
  request.url = server.url();
  request.headers = {{"Content-Type", "application/json"}, {"X-Evil", "1\r\nHost: elsewhere"}};
  auto r = transport.post(request);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kInvalidRequest);
  EXPECT_FALSE(r.error().maybe_sent);
  EXPECT_EQ(server.requests(), 0);
}

// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(ClientHardening, PlainHttpToAnyLoopbackAddressBypassesAProxy) {
  // The "proxy" answers every request it gets with a distinct body: reaching it is a leak.
  LoopbackServer proxy([](const ServerRequest&) {
    return ServerReply::json(
        R"({"Response":{"Error":{"Code":"Proxied","Message":"via proxy"},"RequestId":"p"}})");
  });
  LoopbackServer server(cloud(), "127.0.0.2");
  const std::string proxy_url = "http://127.0.0.1:" + std::to_string(proxy.port());
  ScopedEnv http_proxy("http_proxy", proxy_url);
  ScopedEnv all_proxy("ALL_PROXY", proxy_url);
  ScopedEnv no_proxy("no_proxy", "");
  Client client(creds(), options_for(server));
  auto r = client.call(describe());
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(server.requests(), 1);
  EXPECT_EQ(proxy.requests(), 0) << "plain http to 127.0.0.2 went through http_proxy";
}

TEST(ClientHardening, FoundCredentialsDisableCoreDumps) {
  // In a child: the change is for the whole process and cannot be undone.
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    rlimit before{};
    ::getrlimit(RLIMIT_CORE, &before);
    const bool dumpable_before = ::prctl(PR_GET_DUMPABLE) == 1;
    CredentialEnvironment env;
    env.getenv = [](const std::string& name) -> std::optional<std::string> {
      if (name == "TENCENTCLOUD_SECRET_ID") return std::string(kId);
      if (name == "TENCENTCLOUD_SECRET_KEY") return std::string(kKey);
      return std::nullopt;
    };
    auto found = find_credentials("default", env);
    rlimit after{};
    ::getrlimit(RLIMIT_CORE, &after);
    const bool ok = dumpable_before && found && found->has_value() &&
                    ::prctl(PR_GET_DUMPABLE) == 0 && after.rlim_cur == 0 && after.rlim_max == 0;
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "still dumpable, or RLIMIT_CORE not 0, after loading keys";
}

TEST(ClientHardening, WipeOverwritesTheWholeBuffer) {
  std::string secret = "a-secret-key-long-enough-for-the-heap-0123456789";
  secret.reserve(200);
  const char* bytes = secret.data();
  const std::size_t used = secret.size();
  wipe(secret);
  EXPECT_TRUE(secret.empty());
  EXPECT_EQ(secret.data(), bytes) << "wipe must not reallocate (the old block would keep the key)";
  for (std::size_t i = 0; i < used; ++i)
    ASSERT_EQ(bytes[i], '\0') << "byte " << i << " survived";
}

}  // namespace client_hardening_test
}  // namespace tcplan::api
