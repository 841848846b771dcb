// Test support for the emulator front: an emulator on a free loopback port over a FakeCloud
// with injected clocks, requests signed the way the SDKs sign them, and a small HTTP client
// (Beast, synchronous) that also reports resets and dropped connections.
#pragma once

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "api/signer.h"
#include "emulator/front.h"
#include "emulator/local_credentials.h"
#include "emulator/server.h"
#include "tests/emulator/fake_cloud.h"

namespace tcplan::emulator::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = boost::asio::ip::tcp;

// A fixed "real" time: 2023-11-14 22:13:20 UTC.
inline constexpr std::int64_t kNow = 1'700'000'000;

struct Reply {
  int status = 0;
  std::string body;
  beast::error_code error;  // set when no response arrived (reset, dropped)
  json::object response() const { return json::parse(body).as_object().at("Response").as_object(); }
  std::string code() const {
    auto r = response();
    if (!r.contains("Error")) return "";
    return json::value_to<std::string>(r.at("Error").at("Code"));
  }
  std::string message() const {
    return json::value_to<std::string>(response().at("Error").at("Message"));
  }
};

// One keep-alive connection.
class Connection {
 public:
  explicit Connection(std::uint16_t port) : socket_(ioc_) {
    socket_.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  }
  Reply send(const HttpRequest& request) {
    http::request<http::string_body> req;
    req.method_string(request.method);
    req.target(request.target);
    req.version(11);
    for (const auto& [name, value] : request.headers)
      req.set(name, value);
    req.body() = request.body;
    if (!request.body.empty() || request.method == "POST") req.prepare_payload();
    Reply reply;
    http::write(socket_, req, reply.error);
    if (reply.error) return reply;
    http::response<http::string_body> res;
    http::read(socket_, buffer_, res, reply.error);
    if (reply.error) return reply;
    reply.status = res.result_int();
    reply.body = res.body();
    return reply;
  }
  tcp::socket& socket() { return socket_; }

 private:
  boost::asio::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

// What to sign; defaults give a valid EMR DescribeInstances call with the local key pair.
struct Call {
  std::string method = "POST";
  std::string action = "DescribeInstances";
  std::string version = "2019-01-03";
  std::string region = "ap-guangzhou";
  std::string body = R"({"DisplayStrategy":"clusterList"})";
  std::string query;        // GET only
  std::string host;         // the Host header; empty: 127.0.0.1:PORT
  std::string signed_host;  // the host value signed; empty: same as the Host header
  std::string scope_service = "emr";
  std::string content_type = "application/json";
  std::int64_t timestamp = kNow;
  std::string secret_id = kLocalSecretId;
  std::string secret_key = kLocalSecretKey;
  std::string token;
  std::vector<std::string> extra_signed;  // e.g. "x-tc-action"
};

inline HttpRequest sign(const Call& call, std::uint16_t port) {
  HttpRequest r;
  r.method = call.method;
  r.target = call.method == "GET" && !call.query.empty() ? "/?" + call.query : "/";
  r.body = call.method == "GET" ? "" : call.body;
  const std::string host = call.host.empty() ? "127.0.0.1:" + std::to_string(port) : call.host;
  r.headers = {{"host", host},
               {"content-type", call.content_type},
               {"x-tc-action", call.action},
               {"x-tc-version", call.version},
               {"x-tc-timestamp", std::to_string(call.timestamp)}};
  if (!call.region.empty()) r.headers.emplace_back("x-tc-region", call.region);
  if (!call.token.empty()) r.headers.emplace_back("x-tc-token", call.token);
  api::Tc3Request t;
  t.method = call.method;
  t.canonical_query = call.method == "GET" ? call.query : "";
  t.payload = r.body;
  t.service = call.scope_service;
  t.timestamp = call.timestamp;
  t.signed_headers = {{"content-type", call.content_type},
                      {"host", call.signed_host.empty() ? host : call.signed_host}};
  for (const auto& name : call.extra_signed)
    t.signed_headers.emplace_back(name, *r.header(name));
  r.headers.emplace_back("authorization",
                         api::sign_tc3(t, call.secret_id, call.secret_key).authorization);
  return r;
}

// An emulator front + server over a FakeCloud, on a free loopback port.
class Emulator {
 public:
  explicit Emulator(FrontOptions options = {}, ServerOptions server_options = {}) {
    if (options.keys.size() == 0) options.keys.add(KeyPair{kLocalSecretId, kLocalSecretKey, ""});
    options.wall_now_s = [this] { return wall_s.load(); };
    options.steady_now_ns = [this] { return steady_ns.load(); };
    front = std::make_unique<Front>(cloud, std::move(options));
    server = std::make_unique<Server>(*front, server_options);
    server->start();
  }
  ~Emulator() { server->stop(); }

  std::uint16_t port() const { return server->port(); }
  Reply send(const HttpRequest& request) { return Connection(port()).send(request); }
  Reply call(const Call& c) { return send(sign(c, port())); }

  std::atomic<std::int64_t> wall_s{kNow};
  std::atomic<std::int64_t> steady_ns{1'000'000'000};
  FakeCloud cloud;
  std::unique_ptr<Front> front;
  std::unique_ptr<Server> server;
};

}  // namespace tcplan::emulator::testing
