// The server's lifecycle: stopping closes idle keep-alive connections and refuses new ones,
// but a response already being prepared is still delivered.
#include <gtest/gtest.h>

#include <future>

#include "tests/emulator/front_harness.h"

namespace tcplan::emulator::testing {
namespace front_server_test {

TEST(FrontServer, StopFinishesInFlightResponsesAndClosesIdleConnections) {
  FrontOptions options;
  options.faults = parse_faults("[[fault]]\nlatency_ms = 400\nnth = 2\n", "f").value().rules;
  Emulator emu(std::move(options));
  const std::uint16_t port = emu.port();

  Connection idle(port);
  ASSERT_EQ(idle.send(sign(Call{}, port)).code(), "");  // call 1; now idle, kept alive

  // Call 2 is held for 400 ms; stop while it is held.
  auto in_flight = std::async(std::launch::async, [&] { return emu.call(Call{}); });
  while (emu.cloud.call_count() < 2)
    std::this_thread::yield();
  emu.server->stop();
  Reply held = in_flight.get();
  EXPECT_FALSE(held.error) << held.error.message();
  EXPECT_EQ(held.code(), "");

  // The idle connection was closed, and nobody listens any more.
  Reply after = idle.send(sign(Call{}, port));
  EXPECT_TRUE(after.error);
  boost::asio::io_context ioc;
  tcp::socket s(ioc);
  beast::error_code ec;
  s.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port), ec);
  EXPECT_TRUE(ec);
}

TEST(FrontServer, RefusesAnAddressItCannotBind) {
  FakeCloud cloud;
  FrontOptions options;
  Front front(cloud, std::move(options));
  ServerOptions bad;
  bad.address = "not-an-address";
  EXPECT_THROW(Server(front, bad), std::runtime_error);
}

}  // namespace front_server_test
}  // namespace tcplan::emulator::testing
