// API client micro-benchmarks: TC3-signing a 1 KiB request, parsing a 10 KiB response, and a
// whole call (sign, POST over a kept-alive loopback connection, parse) against a local
// server. Results and the command that reproduces them: docs/benchmarks.md "API client".
#include <benchmark/benchmark.h>

#include <boost/json.hpp>
#include <string>

#include "api/client.h"
#include "api/signer.h"
#include "tests/api/cloud_stub.h"

namespace tcplan::api {
namespace {

namespace json = boost::json;

// A ScaleOutInstance-like body padded to exactly `bytes` with a Chinese remark (multi-byte
// UTF-8, as real requests carry).
std::string request_body(std::size_t bytes) {
  json::object params = {{"InstanceId", "emr-abcdefgh"},
                         {"TimeUnit", "s"},
                         {"TimeSpan", 3600},
                         {"PayMode", 0},
                         {"CoreCount", 2},
                         {"TaskCount", 4},
                         {"ClientToken", "7f9c2ba4-e88f-4b1c-9c3d-2f1a6b5e8d01"},
                         {"Remark", ""}};
  std::string body = json::serialize(params);
  std::string remark;
  while (body.size() + remark.size() + 3 <= bytes)
    remark += "扩";
  while (body.size() + remark.size() < bytes)
    remark += "x";
  params["Remark"] = remark;
  return json::serialize(params);
}

// A DescribeInstances-like response of about `bytes`.
std::string response_body(std::size_t bytes) {
  json::array clusters;
  json::object response;
  response["TotalCnt"] = 0;
  response["RequestId"] = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
  int i = 0;
  while (json::serialize(json::object{{"Response", response}}).size() < bytes) {
    clusters.push_back(json::object{
        {"Id", i},
        {"ClusterId", "emr-" + std::to_string(10000000 + i)},
        {"ClusterName", "集群-" + std::to_string(i)},
        {"Status", 2},
        {"Zone", "ap-guangzhou-3"},
        {"AddTime", "2026-11-20 10:00:00"},
        {"ChargeType", 0},
        {"Tags", json::array{json::object{{"TagKey", "tcplan:run"}, {"TagValue", "r-1"}}}}});
    ++i;
    response["ClusterList"] = clusters;
    response["TotalCnt"] = i;
  }
  return json::serialize(json::object{{"Response", response}});
}

void BM_SignTc3_1KiB(benchmark::State& state) {
  Tc3Request req;
  req.payload = request_body(1024);
  req.service = "emr";
  req.timestamp = 1700000000;
  req.signed_headers = {{"content-type", "application/json"}, {"host", "emr.tencentcloudapi.com"}};
  for (auto _ : state) {
    auto sig =
        sign_tc3(req, "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE");
    benchmark::DoNotOptimize(sig.authorization);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * req.payload.size()));
}
BENCHMARK(BM_SignTc3_1KiB);

void BM_ParseResponse_10KiB(benchmark::State& state) {
  std::string body = response_body(10 * 1024);
  for (auto _ : state) {
    auto r = parse_response(200, body);
    benchmark::DoNotOptimize(r.ok());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_ParseResponse_10KiB);

void BM_CallLoopbackKeepAlive(benchmark::State& state) {
  testing::LoopbackServer server([](const testing::ServerRequest& r) {
    return testing::cloud_reply(r, "AKIDbench", "bench-key");
  });
  Credentials creds;
  creds.secret_id = "AKIDbench";
  creds.secret_key = "bench-key";
  ClientOptions options;
  options.endpoint = server.url();
  options.region = "ap-guangzhou";
  Client client(creds, options);
  CallRequest request;
  request.service = "emr";
  request.action = "DescribeInstances";
  request.params = json::parse(request_body(1024)).as_object();
  for (auto _ : state) {
    auto r = client.call(request);
    if (!r) state.SkipWithError(r.error().to_string().c_str());
  }
  state.counters["connections"] = server.connections();
}
BENCHMARK(BM_CallLoopbackKeepAlive)->UseRealTime();

}  // namespace
}  // namespace tcplan::api

BENCHMARK_MAIN();
