// The emulator under hostile load (issue 15): 16 busy keep-alive clients send EMR
// DescribeInstances for a fixed time, first alone, then while 1,000 other connections sit idle
// (half of them silent, half stalled in the middle of their headers, like a slowloris), then
// with 100 more connections knocking over the connection cap. Prints the busy clients'
// throughput in each phase, the ratio, how many over-cap connections got 503, and the process
// RSS (emulator and clients share it) at each step. Loopback only; every loop is bounded in
// time and count; it stops by itself.
//   bench_emulator_load [--seconds S] [--idle N] [--busy N]
// Results: docs/benchmarks.md, "Emulator under hostile load".
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api/signer.h"
#include "emulator/local_credentials.h"
#include "emulator/local_emulator.h"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using tcplan::emulator::LocalEmulator;
using tcplan::emulator::LocalEmulatorOptions;

long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

http::request<http::string_body> describe_instances(std::uint16_t port) {
  const std::string host = "127.0.0.1:" + std::to_string(port);
  const std::string body = R"({"DisplayStrategy":"clusterList","Limit":10})";
  tcplan::api::Tc3Request t;
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
  req.set(http::field::authorization, tcplan::api::sign_tc3(t, tcplan::emulator::kLocalSecretId,
                                                            tcplan::emulator::kLocalSecretKey)
                                          .authorization);
  req.body() = body;
  req.keep_alive(true);
  req.prepare_payload();
  return req;
}

struct Throughput {
  long requests = 0;
  long errors = 0;
  double seconds = 0;
  double per_second() const { return seconds > 0 ? requests / seconds : 0; }
};

// `busy` clients, one thread and one kept-alive connection each, for `seconds`.
Throughput run_busy(std::uint16_t port, int busy, double seconds) {
  const auto request = describe_instances(port);
  std::atomic<long> done{0}, errors{0};
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::duration<double>(seconds);
  std::vector<std::thread> clients;
  for (int c = 0; c < busy; ++c) {
    clients.emplace_back([&] {
      asio::io_context ioc;
      tcp::socket socket(ioc);
      socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
      beast::flat_buffer buffer;
      while (std::chrono::steady_clock::now() < deadline) {
        http::write(socket, request);
        http::response<http::string_body> res;
        http::read(socket, buffer, res);
        if (res.result_int() != 200 || res.body().find("\"Error\"") != std::string::npos) ++errors;
        ++done;
      }
    });
  }
  for (auto& t : clients)
    t.join();
  Throughput out;
  out.requests = done;
  out.errors = errors;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 5;
  int idle = 1000, busy = 16, over_cap = 100;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::stod(argv[i + 1]);
    if (std::strcmp(argv[i], "--idle") == 0) idle = std::stoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--busy") == 0) busy = std::stoi(argv[i + 1]);
  }
  // Each connection is two descriptors here (client and server end in one process).
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);

  LocalEmulatorOptions options;
  options.rate_limits = false;
  constexpr std::size_t kCap = 1024;  // ServerOptions' default, stated here
  options.server.max_connections = kCap;
  options.fixture_file =
      std::filesystem::path(TCPLAN_SOURCE_DIR) / "emulator" / "fixtures" / "example.toml";
  auto emulator = LocalEmulator::start(options);
  const std::uint16_t port = emulator->port();
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  std::printf("emulator on %s, %d busy clients, %.1f s per phase\n", emulator->url().c_str(), busy,
              seconds);

  run_busy(port, busy, 0.5);  // warm-up: model caches, allocator
  const long rss_start = rss_kib();
  const Throughput alone = run_busy(port, busy, seconds);
  std::printf(
      "busy alone:                %9.0f requests/s (%ld requests, %ld errors), RSS %ld KiB\n",
      alone.per_second(), alone.requests, alone.errors, rss_start);

  asio::io_context ioc;
  std::vector<std::unique_ptr<tcp::socket>> idlers;
  const std::string partial = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
  for (int i = 0; i < idle; ++i) {
    auto s = std::make_unique<tcp::socket>(ioc);
    s->connect(endpoint);
    if (i % 2 == 1) asio::write(*s, asio::buffer(partial));
    idlers.push_back(std::move(s));
  }
  const long rss_idle = rss_kib();
  std::printf("%d idle connections open:  RSS %ld KiB (+%ld KiB, %.1f KiB per connection)\n", idle,
              rss_idle, rss_idle - rss_start,
              idle > 0 ? static_cast<double>(rss_idle - rss_start) / idle : 0.0);

  const Throughput crowded = run_busy(port, busy, seconds);
  const long rss_crowded = rss_kib();
  std::printf("busy with %d idle:       %9.0f requests/s (%ld requests, %ld errors), RSS %ld KiB\n",
              idle, crowded.per_second(), crowded.requests, crowded.errors, rss_crowded);
  std::printf("ratio crowded/alone:       %9.3f\n", crowded.per_second() / alone.per_second());

  // Over the cap: fill it up, then each extra connection is answered 503 and closed at once.
  const int fill = std::max(0, static_cast<int>(kCap) - idle);
  int refused = 0;
  std::vector<std::unique_ptr<tcp::socket>> extra;
  for (int i = 0; i < fill + over_cap; ++i) {
    auto s = std::make_unique<tcp::socket>(ioc);
    s->connect(endpoint);
    extra.push_back(std::move(s));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // let the 503s arrive
  for (auto& s : extra) {
    std::string answer(512, '\0');
    beast::error_code ec;
    s->non_blocking(true);
    const std::size_t n = s->read_some(asio::buffer(answer), ec);
    if (!ec && n >= 12 && answer.compare(0, 12, "HTTP/1.1 503") == 0) ++refused;
  }
  std::printf("%d more connections with %d open (cap %zu): %d answered 503\n", fill + over_cap,
              idle, kCap, refused);
  std::printf("RSS at the end: %ld KiB\n", rss_kib());
  idlers.clear();
  extra.clear();
  emulator->stop();
  return alone.errors + crowded.errors == 0 ? 0 : 1;
}
