// A tiny HTTP/1.1 server on 127.0.0.1:<free port> for the API client's tests, built on
// Boost.Beast: each request goes to a handler that says what to answer — a normal response,
// no answer at all (to make the client time out), or a dropped connection after reading the
// request (the "did it happen?" case). Counts requests and TCP connections.
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tcplan::testing {

struct ServerRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct ServerReply {
  enum class Kind { kRespond, kHang, kDrop };
  Kind kind = Kind::kRespond;
  int status = 200;
  std::string body;
  std::string content_type = "application/json";

  static ServerReply json(std::string body, int status = 200) {
    ServerReply r;
    r.body = std::move(body);
    r.status = status;
    return r;
  }
  static ServerReply hang() {
    ServerReply r;
    r.kind = Kind::kHang;
    return r;
  }
  static ServerReply drop() {
    ServerReply r;
    r.kind = Kind::kDrop;
    return r;
  }
};

class LoopbackServer {
 public:
  using Handler = std::function<ServerReply(const ServerRequest&)>;

  // `address`: any loopback address ("127.0.0.2" for the proxy-bypass test).
  explicit LoopbackServer(Handler handler, const std::string& address = "127.0.0.1")
      : handler_(std::move(handler)),
        address_(address),
        acceptor_(io_, {boost::asio::ip::make_address(address), 0}) {
    port_ = acceptor_.local_endpoint().port();
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~LoopbackServer() {
    io_.stop();
    thread_.join();
  }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  std::string url() const { return "http://" + address_ + ":" + std::to_string(port_) + "/"; }
  int port() const { return port_; }
  int requests() const { return requests_.load(); }
  int connections() const { return connections_.load(); }
  std::vector<ServerRequest> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }

 private:
  struct Session : std::enable_shared_from_this<Session> {
    Session(LoopbackServer* s, boost::asio::ip::tcp::socket sock)
        : server(s), socket(std::move(sock)) {}
    LoopbackServer* server;
    boost::asio::ip::tcp::socket socket;
    boost::beast::flat_buffer buffer;
    boost::beast::http::request<boost::beast::http::string_body> request;
    boost::beast::http::response<boost::beast::http::string_body> response;

    void read() {
      request = {};
      boost::beast::http::async_read(
          socket, buffer, request,
          [self = shared_from_this()](boost::beast::error_code ec, std::size_t) {
            if (!ec) self->on_request();
          });
    }
    void on_request() {
      ServerRequest r;
      r.method = std::string(request.method_string());
      r.target = std::string(request.target());
      for (const auto& field : request) {
        std::string name(field.name_string());
        for (char& c : name)
          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers[name] = std::string(field.value());
      }
      r.body = request.body();
      server->requests_++;
      {
        std::lock_guard lock(server->mutex_);
        server->received_.push_back(r);
      }
      ServerReply reply = server->handler_(r);
      if (reply.kind == ServerReply::Kind::kHang) {
        // Keep the connection open and silent until the server stops.
        std::lock_guard lock(server->mutex_);
        server->hung_.push_back(shared_from_this());
        return;
      }
      if (reply.kind == ServerReply::Kind::kDrop) {
        boost::beast::error_code ignored;
        socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
        return;
      }
      bool keep_alive = request.keep_alive();
      response = {};
      response.version(11);
      response.result(static_cast<unsigned>(reply.status));
      response.set(boost::beast::http::field::content_type, reply.content_type);
      response.keep_alive(keep_alive);
      response.body() = std::move(reply.body);
      response.prepare_payload();
      boost::beast::http::async_write(
          socket, response,
          [self = shared_from_this(), keep_alive](boost::beast::error_code ec, std::size_t) {
            if (ec) return;
            if (keep_alive) {
              self->read();
            } else {
              boost::beast::error_code ignored;
              self->socket.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
            }
          });
    }
  };

  void accept() {
    acceptor_.async_accept([this](boost::beast::error_code ec, boost::asio::ip::tcp::socket s) {
      if (ec) return;
      connections_++;
      std::make_shared<Session>(this, std::move(s))->read();
      accept();
    });
  }

  Handler handler_;
  std::string address_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> requests_{0};
  std::atomic<int> connections_{0};
  mutable std::mutex mutex_;
  std::vector<ServerRequest> received_;
  std::vector<std::shared_ptr<Session>> hung_;
};

}  // namespace tcplan::testing
