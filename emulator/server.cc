#include "emulator/server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

namespace tcplan::emulator {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kWriteTimeout = std::chrono::seconds(60);
constexpr std::size_t kDrainLimit = 16 * 1024 * 1024;

// Answered, without reading the request, to a connection over the cap. Written in one
// non-blocking send: it fits any socket buffer, and a client that does not read it loses it.
constexpr std::string_view kTooManyConnections =
    "HTTP/1.1 503 Service Unavailable\r\n"
    "Server: tcplan-emulator\r\n"
    "Content-Type: text/plain\r\n"
    "Retry-After: 1\r\n"
    "Connection: close\r\n"
    "Content-Length: 47\r\n"
    "\r\n"
    "emulator: too many open connections; try again\n";

class Session;

using Parser = http::request_parser<http::string_body>;

void limit(Parser& parser) {
  parser.header_limit(static_cast<std::uint32_t>(kMaxHeaderBytes));
  parser.body_limit(kMaxTc3PostBytes);
}

// 431 for headers over kMaxHeaderBytes, 413 for a body over the documented 10 MB, else 0.
int refusal_for(const beast::error_code& ec) {
  if (ec == http::error::header_limit) return 431;
  if (ec == http::error::body_limit) return 413;
  return 0;
}

HttpRequest to_front_request(http::request<http::string_body>& req) {
  HttpRequest request;
  request.method = std::string(req.method_string());
  request.target = std::string(req.target());
  request.headers.reserve(16);
  for (const auto& field : req) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    request.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  request.body = std::move(req.body());
  return request;
}

}  // namespace

RawRequest parse_raw_request(std::string_view bytes) {
  RawRequest out;
  Parser parser;
  limit(parser);
  parser.eager(true);
  beast::error_code ec;
  std::size_t used = 0;
  while (used < bytes.size() && !parser.is_done()) {
    std::size_t n = parser.put(asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    if (ec == http::error::need_more) break;
    if (ec) {
      out.refusal = refusal_for(ec);
      return out;
    }
    if (n == 0) break;
    used += n;
  }
  if (!parser.is_done() && used == bytes.size() && !ec) {
    // The bytes end here: a body that runs to end-of-stream ends now.
    parser.put_eof(ec);
    if (ec) return out;
  }
  if (!parser.is_done()) return out;
  out.keep_alive = parser.get().keep_alive();
  out.request = to_front_request(parser.get());
  return out;
}

class Server::Impl {
 public:
  Impl(Front& front, const ServerOptions& options)
      : front_(front),
        options_(options),
        threads_wanted_(std::max(1, options.threads)),
        acceptor_(make_strand(ioc_)) {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(options.address, ec);
    if (ec) throw std::runtime_error("invalid listen address '" + options.address + "'");
    const tcp::endpoint endpoint(address, options.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      throw std::runtime_error("cannot listen on " + options.address + ":" +
                               std::to_string(options.port) + ": " + ec.message());
    local_ = acceptor_.local_endpoint();
  }

  void start() {
    std::lock_guard lock(mu_);
    if (started_ || stopping_) return;
    started_ = true;
    do_accept();
    for (int i = 0; i < threads_wanted_; ++i)
      threads_.emplace_back([this] { ioc_.run(); });
  }

  void stop();
  void do_accept();
  std::size_t open_connections() {
    std::lock_guard lock(mu_);
    return sessions_.size();
  }
  void forget(Session* session) {
    std::lock_guard lock(mu_);
    sessions_.erase(session);
  }

  Front& front_;
  ServerOptions options_;
  int threads_wanted_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  tcp::endpoint local_;
  std::mutex mu_;
  bool started_ = false;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, Server::Impl& server)
      : stream_(std::move(socket)), timer_(stream_.get_executor()), server_(server) {}
  ~Session() { server_.forget(this); }

  void run() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
  }

  // When the server stops, an idle connection closes at once and a request being answered
  // finishes first (the flag is read on the session's strand).
  void post_stop() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      self->stopping_ = true;
      if (self->reading_) self->close();
    });
  }

 private:
  // A request arrives in three timed phases: the wait for its first byte (idle_timeout), its
  // headers (header_timeout) and its body (body_timeout).
  void do_read() {
    if (stopping_) return close();
    parser_.emplace();
    limit(*parser_);
    reading_ = true;
    if (buffer_.size() > 0) return read_header();  // pipelined: the next request is here
    stream_.expires_after(server_.options_.idle_timeout);
    stream_.async_read_some(
        buffer_.prepare(4096), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
          if (ec) return self->close();  // end of stream, idle timeout, reset, or stop()
          self->buffer_.commit(n);
          self->read_header();
        });
  }

  void read_header() {
    stream_.expires_after(server_.options_.header_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->on_read(ec);
                              if (self->parser_->is_done()) return self->on_read(ec);
                              self->stream_.expires_after(self->server_.options_.body_timeout);
                              http::async_read(self->stream_, self->buffer_, *self->parser_,
                                               beast::bind_front_handler(&Session::on_read, self));
                            });
  }

  void on_read(beast::error_code ec, std::size_t = 0) {
    reading_ = false;
    if (const int status = refusal_for(ec); status != 0) {
      FrontReply reply = server_.front_.too_large();
      reply.status = status;
      return respond(std::move(reply), false);
    }
    if (ec) return close();  // end of stream, timeout, reset, malformed request, or stop()
    auto& req = parser_->get();
    HttpRequest request = to_front_request(req);
    const bool keep_alive = req.keep_alive();
    FrontReply reply = server_.front_.handle(request);
    if (reply.delay_ms > 0) {
      stream_.expires_never();
      timer_.expires_after(std::chrono::milliseconds(reply.delay_ms));
      timer_.async_wait(
          [self = shared_from_this(), reply = std::move(reply),
           keep_alive](beast::error_code) mutable { self->respond(std::move(reply), keep_alive); });
      return;
    }
    respond(std::move(reply), keep_alive);
  }

  void respond(FrontReply reply, bool keep_alive) {
    auto& socket = stream_.socket();
    beast::error_code ignored;
    if (reply.action == FrontReply::Action::kReset) {
      // SO_LINGER with a zero timeout makes close() send RST: the client sees "connection
      // reset by peer", not a clean end of stream.
      socket.set_option(tcp::socket::linger(true, 0), ignored);
      socket.close(ignored);
      return;
    }
    if (reply.action == FrontReply::Action::kDrop) return close();
    keep_alive = keep_alive && !reply.close && !stopping_;
    res_ = {};
    res_.version(11);
    res_.result(static_cast<http::status>(reply.status));
    res_.set(http::field::server, "tcplan-emulator");
    res_.set(http::field::content_type, reply.content_type);
    if (!reply.date.empty()) res_.set(http::field::date, reply.date);
    res_.keep_alive(keep_alive);
    res_.body() = std::move(reply.body);
    res_.prepare_payload();
    stream_.expires_after(kWriteTimeout);
    http::async_write(stream_, res_,
                      [self = shared_from_this(), keep_alive, drain = reply.close](
                          beast::error_code ec, std::size_t) {
                        if (ec) return self->close();
                        if (drain) return self->drain();
                        if (!keep_alive) return self->close();
                        self->do_read();
                      });
  }

  // After refusing an oversized request, read and discard what the client still sends so
  // that it sees our answer instead of a reset caused by unread data.
  void drain() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(5));
    discard_.resize(64 * 1024);
    stream_.async_read_some(asio::buffer(discard_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > kDrainLimit || self->stopping_)
                                return self->close();
                              self->drain();
                            });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<Parser> parser_;
  http::response<http::string_body> res_;
  asio::steady_timer timer_;
  std::vector<char> discard_;
  std::size_t drained_ = 0;
  Server::Impl& server_;
  bool reading_ = false;
  bool stopping_ = false;
};

}  // namespace

void Server::Impl::do_accept() {
  acceptor_.async_accept(make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      spdlog::warn("emulator: accept failed: {}", ec.message());
    } else {
      socket.set_option(tcp::no_delay(true), ec);
      std::shared_ptr<Session> session;
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;  // the socket closes as it goes out of scope
        if (sessions_.size() < options_.max_connections) {
          session = std::make_shared<Session>(std::move(socket), *this);
          sessions_.emplace(session.get(), session);
        }
      }
      if (session) {
        session->run();
      } else {
        beast::error_code ignored;
        socket.non_blocking(true, ignored);
        socket.write_some(asio::buffer(kTooManyConnections), ignored);
        socket.shutdown(tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
      }
    }
    if (acceptor_.is_open()) do_accept();
  });
}

void Server::Impl::stop() {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    for (auto& [ptr, weak] : sessions_) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  asio::post(acceptor_.get_executor(), [this] {
    beast::error_code ignored;
    acceptor_.close(ignored);
  });
  for (auto& s : live)
    s->post_stop();
  live.clear();
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    threads.swap(threads_);
  }
  if (threads.empty()) {
    // Never started: nothing runs the queued handlers, so run them here.
    ioc_.run();
    return;
  }
  for (auto& t : threads)
    t.join();
}

Server::Server(Front& front, const ServerOptions& options)
    : impl_(std::make_unique<Impl>(front, options)) {}

Server::~Server() {
  stop();
}

void Server::start() {
  impl_->start();
}
void Server::stop() {
  impl_->stop();
}
std::uint16_t Server::port() const {
  return impl_->local_.port();
}
std::size_t Server::open_connections() const {
  return impl_->open_connections();
}

std::string Server::url() const {
  const auto address = impl_->local_.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return "http://" + host + ":" + std::to_string(port());
}

}  // namespace tcplan::emulator
