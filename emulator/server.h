// The emulator's HTTP/1.1 server (Boost.Beast on Asio): keep-alive, many connections served by
// a few io threads, each request handed to the Front. Stopping closes the listener and idle
// connections, and lets requests already being answered finish.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "emulator/front.h"

namespace tcplan::emulator {

struct ServerOptions {
  std::string address = "127.0.0.1";  // loopback unless the caller names another address
  std::uint16_t port = 0;             // 0: the OS picks a free port
  int threads = 2;
};

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
  std::string url() const;  // "http://127.0.0.1:PORT" ([::1] for IPv6)

  class Impl;  // public only so that server.cc's connection class can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tcplan::emulator
