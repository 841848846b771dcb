// The emulator's HTTP/1.1 server (Boost.Beast on Asio): keep-alive, many connections served by
// a few io threads, each request handed to the Front. Stopping closes the listener and idle
// connections, and lets requests already being answered finish. Hostile or broken clients
// are bounded (docs/emulator.md, "Limits"): a cap on open connections (503), on header and
// body sizes (431, 413), and on how long a request may take to arrive.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "emulator/front.h"

namespace tcplan::emulator {

// A request line plus headers larger than this is answered 431 without being read further.
// It leaves room for a GET query of the documented 32 KB.
inline constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

struct ServerOptions {
  std::string address = "127.0.0.1";  // loopback unless the caller names another address
  std::uint16_t port = 0;             // 0: the OS picks a free port
  int threads = 2;
  // Connections open at once; one more is answered 503 and closed. Each costs a file
  // descriptor and a few KiB until it sends a request.
  std::size_t max_connections = 1024;
  // How long a kept-alive connection may wait before the first byte of its next request.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(120)};
  // From the first byte of a request to the end of its headers, and from there to the end of
  // its body (10 MiB in 60 s is 170 KiB/s): a client that trickles bytes is cut off.
  std::chrono::milliseconds header_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds body_timeout{std::chrono::seconds(60)};
};

// One whole request parsed from raw bytes exactly as a connection parses it (Beast, the same
// limits), for the fuzz target. `refusal` is the status the server would answer without
// calling the front (431, 413), or 0; `request` is empty when the bytes are not one complete
// request.
struct RawRequest {
  std::optional<HttpRequest> request;
  int refusal = 0;
  bool keep_alive = false;
};
RawRequest parse_raw_request(std::string_view bytes);

class Server {
 public:
  // Binds and listens at once (so port() is known); throws std::runtime_error when the
  // address cannot be bound. Serving starts with start().
  Server(Front& front, const ServerOptions& options);
  ~Server();  // stop() + join
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  void start();  // runs the io threads in the background
  // Stops accepting, closes idle keep-alive connections, lets in-flight responses finish, and
  // returns when every io thread has ended. Safe to call from any thread, more than once.
  void stop();

  std::uint16_t port() const;
  std::size_t open_connections() const;
  std::string url() const;  // "http://127.0.0.1:PORT" ([::1] for IPv6)

  class Impl;  // public only so that server.cc's connection class can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tcplan::emulator
