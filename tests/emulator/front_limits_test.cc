// The emulator holds up to hostile clients: control paths need the start-up token, timestamps
// at the ends of int64 are SignatureExpire (no overflow), oversized headers and bodies get
// 431 and 413, connections over the cap get 503, and a client that trickles its request or
// sits idle is cut off. Waits are on the socket (a read that returns when the server closes),
// never on the clock.
#include <gtest/gtest.h>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <limits>

#include "emulator/signature_check.h"
#include "tests/emulator/front_harness.h"

namespace tcplan::emulator::testing {
namespace front_limits_test {

constexpr const char* kToken = "limits-test-token";

HttpRequest control(const std::string& method, const std::string& target,
                    std::optional<std::string> token) {
  HttpRequest r;
  r.method = method;
  r.target = target;
  r.headers = {{"host", "127.0.0.1"}};
  if (token) r.headers.emplace_back(kControlTokenHeader, *token);
  return r;
}

FrontOptions with_token() {
  FrontOptions o;
  o.control_token = kToken;
  return o;
}

// Reads from `socket` until the server answers or closes; returns the bytes read.
std::string read_until_closed(tcp::socket& socket) {
  std::string out;
  char chunk[4096];
  beast::error_code ec;
  while (!ec) {
    std::size_t n = socket.read_some(boost::asio::buffer(chunk), ec);
    out.append(chunk, n);
  }
  return out;
}

TEST(FrontLimits, ControlPathsRefuseWithoutTheToken) {
  Emulator emu(with_token());
  for (const auto& [method, target] :
       {std::pair<std::string, std::string>{"GET", "/_emulator/state"},
        {"POST", "/_emulator/advance?ms=60000"},
        {"GET", "/_emulator/anything"}}) {
    EXPECT_EQ(emu.send(control(method, target, std::nullopt)).status, 401) << target;
    EXPECT_EQ(emu.send(control(method, target, std::string("wrong"))).status, 401) << target;
    EXPECT_EQ(emu.send(control(method, target, std::string(kToken) + "x")).status, 401) << target;
  }
  EXPECT_EQ(emu.cloud.now_ms(), FakeCloud::kStartMs) << "the clock moved without the token";
  EXPECT_EQ(emu.send(control("GET", "/_emulator/state", std::string(kToken))).status, 200);
  EXPECT_EQ(emu.send(control("POST", "/_emulator/advance?ms=5", std::string(kToken))).status, 200);
  EXPECT_EQ(emu.cloud.now_ms(), FakeCloud::kStartMs + 5);
}

TEST(FrontLimits, WithoutAConfiguredTokenControlPathsAreClosed) {
  Emulator emu;
  EXPECT_EQ(emu.send(control("GET", "/_emulator/state", std::nullopt)).status, 403);
  EXPECT_EQ(emu.send(control("GET", "/_emulator/state", std::string(""))).status, 403);
}

TEST(FrontLimits, TimestampsAtTheEndsOfInt64AreSignatureExpire) {
  Emulator emu;
  for (const std::string ts : {"-9223372036854775808", "9223372036854775807", "-1", "0"}) {
    HttpRequest r = sign(Call{}, emu.port());
    for (auto& [name, value] : r.headers)
      if (name == "x-tc-timestamp") value = ts;
    EXPECT_EQ(emu.send(r).code(), "AuthFailure.SignatureExpire") << ts;
  }
  // One past int64 is not a number at all.
  HttpRequest r = sign(Call{}, emu.port());
  for (auto& [name, value] : r.headers)
    if (name == "x-tc-timestamp") value = "9223372036854775808";
  EXPECT_EQ(emu.send(r).code(), "InvalidParameterValue");
}

TEST(FrontLimits, TimestampSkewTable) {
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  struct Case {
    std::int64_t a, b;
    std::uint64_t skew;
  };
  const Case cases[] = {
      {kNow, kNow, 0},
      {kNow + 300, kNow, 300},
      {kNow - 301, kNow, 301},
      {kMin, 0, 9223372036854775808ull},
      {0, kMin, 9223372036854775808ull},
      {kMin, kMax, 18446744073709551615ull},
      {kMax, kMin, 18446744073709551615ull},
      {kMin, kNow, 9223372036854775808ull + static_cast<std::uint64_t>(kNow)},
  };
  for (const auto& c : cases)
    EXPECT_EQ(timestamp_skew(c.a, c.b), c.skew) << c.a << " " << c.b;
}

TEST(FrontLimits, HeadersOverTheLimitAre431) {
  Emulator emu;
  Call c;
  c.method = "GET";
  c.content_type = "application/x-www-form-urlencoded";
  c.query = "DisplayStrategy=clusterList&InstanceIds.0=" + std::string(kMaxHeaderBytes, 'a');
  Reply r = emu.call(c);
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(r.code(), "RequestSizeLimitExceeded");
  EXPECT_EQ(emu.call(Call{}).code(), "") << "the server is still there";
}

TEST(FrontLimits, ABodyOverTenMegabytesIs413BeforeItIsSent) {
  Emulator emu;
  Connection conn(emu.port());
  const std::string head =
      "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(kMaxTc3PostBytes + 1) + "\r\n\r\n";
  boost::asio::write(conn.socket(), boost::asio::buffer(head));
  // No body byte is sent: the answer comes from the Content-Length alone.
  const std::string answer = read_until_closed(conn.socket());
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer.substr(0, 200);
  EXPECT_NE(answer.find("RequestSizeLimitExceeded"), std::string::npos);
}

TEST(FrontLimits, ConnectionsOverTheCapAre503) {
  ServerOptions server;
  server.max_connections = 2;
  Emulator emu({}, server);
  // Two connections, each proven accepted by a whole exchange.
  Connection a(emu.port());
  Connection b(emu.port());
  ASSERT_EQ(a.send(sign(Call{}, emu.port())).code(), "");
  ASSERT_EQ(b.send(sign(Call{}, emu.port())).code(), "");
  Connection c(emu.port());
  const std::string answer = read_until_closed(c.socket());
  EXPECT_EQ(answer.rfind("HTTP/1.1 503", 0), 0u) << answer;
  EXPECT_NE(answer.find("Connection: close"), std::string::npos);
  EXPECT_EQ(emu.server->open_connections(), 2u);
  // The kept connections still work.
  EXPECT_EQ(a.send(sign(Call{}, emu.port())).code(), "");
}

TEST(FrontLimits, AClientThatTricklesItsHeadersIsCutOff) {
  ServerOptions server;
  server.header_timeout = std::chrono::milliseconds(200);
  Emulator emu({}, server);
  Connection conn(emu.port());
  boost::asio::write(conn.socket(),
                     boost::asio::buffer(std::string("POST / HTTP/1.1\r\nHost: x\r\n")));
  // The request never ends; the server closes the connection without an answer.
  EXPECT_EQ(read_until_closed(conn.socket()), "");
  EXPECT_EQ(emu.call(Call{}).code(), "");
}

TEST(FrontLimits, AClientThatStopsInTheBodyIsCutOff) {
  ServerOptions server;
  server.body_timeout = std::chrono::milliseconds(200);
  Emulator emu({}, server);
  Connection conn(emu.port());
  boost::asio::write(conn.socket(), boost::asio::buffer(std::string(
                                        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                        "application/json\r\nContent-Length: 100\r\n\r\n{")));
  EXPECT_EQ(read_until_closed(conn.socket()), "");
}

TEST(FrontLimits, AnIdleConnectionIsClosed) {
  ServerOptions server;
  server.idle_timeout = std::chrono::milliseconds(200);
  Emulator emu({}, server);
  Connection conn(emu.port());
  ASSERT_EQ(conn.send(sign(Call{}, emu.port())).code(), "");
  EXPECT_EQ(read_until_closed(conn.socket()), "");
}

TEST(FrontLimits, RawRequestsParseLikeAConnectionReadsThem) {
  auto whole = parse_raw_request(
      "POST /?a=1 HTTP/1.1\r\nHost: 127.0.0.1:9\r\nX-TC-Action: DescribeInstances\r\n"
      "Content-Length: 2\r\n\r\n{}");
  ASSERT_TRUE(whole.request);
  EXPECT_EQ(whole.request->method, "POST");
  EXPECT_EQ(whole.request->target, "/?a=1");
  EXPECT_EQ(*whole.request->header("x-tc-action"), "DescribeInstances");
  EXPECT_EQ(whole.request->body, "{}");
  EXPECT_TRUE(whole.keep_alive);

  EXPECT_FALSE(
      parse_raw_request("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n{}").request);
  EXPECT_FALSE(parse_raw_request("not http at all").request);
  EXPECT_EQ(
      parse_raw_request("GET /" + std::string(kMaxHeaderBytes, 'a') + " HTTP/1.1\r\n\r\n").refusal,
      431);
  EXPECT_EQ(parse_raw_request("POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n").refusal, 413);
}

}  // namespace front_limits_test
}  // namespace tcplan::emulator::testing
