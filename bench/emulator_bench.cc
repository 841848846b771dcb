// The emulator's HTTP front under load: EMR DescribeInstances over kept-alive loopback
// connections at concurrency 1, 16 and 64 (one synchronous client thread per connection),
// against an in-process emulator on the real model (example fixture loaded, rate limits off).
// Every request is fully verified (TC3 signature, catalog parameter check). Results and the
// command: docs/benchmarks.md "Emulator".
#include <benchmark/benchmark.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "api/signer.h"
#include "emulator/local_credentials.h"
#include "emulator/local_emulator.h"

namespace tcplan::emulator {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

LocalEmulator& emulator() {
  static std::unique_ptr<LocalEmulator> instance = [] {
    LocalEmulatorOptions options;
    options.rate_limits = false;
    options.fixture_file =
        std::filesystem::path(TCPLAN_SOURCE_DIR) / "emulator" / "fixtures" / "example.toml";
    return LocalEmulator::start(options);
  }();
  return *instance;
}

// One signed request, reused: the front verifies it afresh every time, and its timestamp stays
// within the 5-minute skew for the length of a run.
http::request<http::string_body> describe_instances(std::uint16_t port) {
  const std::string host = "127.0.0.1:" + std::to_string(port);
  const std::string body = R"({"DisplayStrategy":"clusterList","Limit":10})";
  api::Tc3Request t;
  t.payload = body;
  t.service = "emr";
  t.timestamp = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  t.signed_headers = {{"content-type", "application/json"}, {"host", host}};
  http::request<http::string_body> req{http::verb::post, "/", 11};
  req.set(http::field::host, host);
  req.set(http::field::content_type, "application/json");
  req.set("X-TC-Action", "DescribeInstances");
  req.set("X-TC-Version", "2019-01-03");
  req.set("X-TC-Region", "ap-guangzhou");
  req.set("X-TC-Timestamp", std::to_string(t.timestamp));
  req.set(http::field::authorization,
          api::sign_tc3(t, kLocalSecretId, kLocalSecretKey).authorization);
  req.body() = body;
  req.keep_alive(true);
  req.prepare_payload();
  return req;
}

void BM_DescribeInstances(benchmark::State& state) {
  const int concurrency = static_cast<int>(state.range(0));
  const int per_client = std::max(50, 4000 / concurrency);
  const std::uint16_t port = emulator().port();
  const auto request = describe_instances(port);
  std::atomic<long> failures{0};
  long total = 0;
  for (auto _ : state) {
    std::vector<std::thread> clients;
    for (int c = 0; c < concurrency; ++c) {
      clients.emplace_back([&] {
        boost::asio::io_context ioc;
        tcp::socket socket(ioc);
        socket.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
        beast::flat_buffer buffer;
        for (int i = 0; i < per_client; ++i) {
          http::write(socket, request);
          http::response<http::string_body> res;
          http::read(socket, buffer, res);
          if (res.body().find("\"Error\"") != std::string::npos) ++failures;
        }
      });
    }
    for (auto& t : clients)
      t.join();
    total += static_cast<long>(concurrency) * per_client;
  }
  if (failures > 0) state.SkipWithError("the emulator answered with errors");
  state.SetItemsProcessed(total);
  state.counters["connections"] = concurrency;
}
BENCHMARK(BM_DescribeInstances)->Arg(1)->Arg(16)->Arg(64)->UseRealTime()->MinTime(2.0);

}  // namespace
}  // namespace tcplan::emulator

BENCHMARK_MAIN();
