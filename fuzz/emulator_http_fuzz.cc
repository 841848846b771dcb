// The emulator's HTTP front: raw bytes -> the server's request parser -> Front::handle (TC3 or
// v1 Authorization parse, signature check, routing, parameter check) over a stub cloud. The
// first byte chooses what the harness does before handing the request over: bit 0 re-signs it
// with the local key (so the fuzzer explores routing and parameters behind a valid
// signature), bit 1 adds the right control token. Invariants: every answer is a well-formed
// reply; a request that reaches the cloud carried a signature the client's signer would have
// produced, and a re-signed request is never refused as unauthenticated; control paths never
// answer without the token.
#include <boost/json/parse.hpp>
#include <charconv>

#include "api/signer.h"
#include "base/text.h"
#include "emulator/front.h"
#include "emulator/host.h"
#include "emulator/local_credentials.h"
#include "emulator/server.h"
#include "fuzz/fuzz_check.h"

namespace emu = tcplan::emulator;
namespace json = boost::json;

namespace {

constexpr std::int64_t kNow = 1'796'554'821;  // when the seed requests were captured
constexpr const char* kToken = "0123456789abcdef0123456789abcdef";

class StubCloud : public emu::Cloud {
 public:
  emu::ApiReply handle(const emu::ApiCall&) override {
    ++calls;
    emu::ApiReply r;
    r.response["TotalCnt"] = 0;
    return r;
  }
  json::value state_json(std::int64_t) override { return json::object{{"calls", calls}}; }
  std::int64_t now_ms() override { return kNow * 1000 + advanced; }
  void advance_clock(std::int64_t ms) override { advanced += ms; }
  std::int64_t calls = 0;
  std::int64_t advanced = 0;
};

std::string field(std::string_view authorization, std::string_view name) {
  auto pos = authorization.find(name);
  if (pos == std::string_view::npos) return {};
  auto value = authorization.substr(pos + name.size());
  return std::string(tcplan::base::trim(value.substr(0, value.find(','))));
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (std::size_t pos; (pos = s.find(sep)) != std::string_view::npos; s.remove_prefix(pos + 1))
    out.push_back(s.substr(0, pos));
  out.push_back(s);
  return out;
}

void remove_headers(emu::HttpRequest& r, std::string_view name) {
  std::erase_if(r.headers, [&](const auto& h) { return h.first == name; });
}

std::pair<std::string, std::string>* find(emu::HttpRequest& r, std::string_view name) {
  for (auto& h : r.headers)
    if (h.first == name) return &h;
  return nullptr;
}

// The request's TC3 inputs as the server reads them, signed by the client's signer.
tcplan::api::Tc3Request canonical(const emu::HttpRequest& r, std::string service,
                                  const std::vector<std::string>& signed_names) {
  tcplan::api::Tc3Request t;
  t.method = r.method;
  t.canonical_uri = std::string(r.path());
  t.canonical_query = r.method == "GET" ? std::string(r.query()) : "";
  t.payload = r.method == "GET" ? "" : r.body;
  t.service = std::move(service);
  t.timestamp = kNow;
  for (const auto& name : signed_names) {
    const std::string* v = r.header(name);
    t.signed_headers.emplace_back(name, v != nullptr ? *v : "");
  }
  return t;
}

void resign(emu::HttpRequest& r) {
  if (find(r, "host") == nullptr) r.headers.emplace_back("host", "127.0.0.1:9");
  if (find(r, "content-type") == nullptr)
    r.headers.emplace_back("content-type", "application/json");
  remove_headers(r, "authorization");
  remove_headers(r, "x-tc-timestamp");
  remove_headers(r, "x-tc-token");
  r.headers.emplace_back("x-tc-timestamp", std::to_string(kNow));
  std::string service = emu::host_service(emu::split_host(*r.header("host")));
  if (service.empty()) service = "emr";
  const auto t = canonical(r, service, {"content-type", "host"});
  r.headers.emplace_back(
      "authorization",
      tcplan::api::sign_tc3(t, emu::kLocalSecretId, emu::kLocalSecretKey).authorization);
}

// Whether the request's Authorization holds the signature sign_tc3 gives for it (with the
// host signed with or without its port, as the front accepts both).
bool carries_valid_tc3_signature(const emu::HttpRequest& r) {
  const std::string* auth = r.header("authorization");
  if (auth == nullptr) return false;
  const std::string credential = field(*auth, "Credential=");
  const std::string scope_service = [&] {
    auto first = credential.find('/');
    auto second = credential.find('/', first == std::string::npos ? first : first + 1);
    auto third = credential.find('/', second == std::string::npos ? second : second + 1);
    if (third == std::string::npos) return std::string();
    return credential.substr(second + 1, third - second - 1);
  }();
  std::vector<std::string> names;
  const std::string signed_headers = field(*auth, "SignedHeaders=");
  for (std::string_view n : split(signed_headers, ';'))
    names.push_back(tcplan::base::ascii_lower(tcplan::base::trim(n)));
  const std::string claimed = field(*auth, "Signature=");

  auto t = canonical(r, scope_service, names);
  const std::string* ts = r.header("x-tc-timestamp");
  if (ts == nullptr) return false;
  auto [ptr, ec] = std::from_chars(ts->data(), ts->data() + ts->size(), t.timestamp);
  if (ec != std::errc()) return false;
  if (tcplan::api::sign_tc3(t, emu::kLocalSecretId, emu::kLocalSecretKey).signature == claimed)
    return true;
  for (auto& [name, value] : t.signed_headers)
    if (name == "host") value = emu::split_host(value).name;

  return tcplan::api::sign_tc3(t, emu::kLocalSecretId, emu::kLocalSecretKey).signature == claimed;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t mode = data[0];
  emu::RawRequest raw = emu::parse_raw_request(tcplan::fuzz::as_text(data + 1, size - 1));

  StubCloud cloud;
  emu::FrontOptions options;
  options.keys.add(emu::KeyPair{emu::kLocalSecretId, emu::kLocalSecretKey, ""});
  options.wall_now_s = [] { return kNow; };
  options.steady_now_ns = [] { return std::int64_t{1'000'000'000}; };
  options.control_token = kToken;
  emu::Front front(cloud, std::move(options));

  if (raw.refusal != 0) {
    FUZZ_CHECK(raw.refusal == 431 || raw.refusal == 413);
    const emu::FrontReply reply = front.too_large();
    FUZZ_CHECK(reply.body.find("RequestSizeLimitExceeded") != std::string::npos, reply.body);
    return 0;
  }
  if (!raw.request) return 0;
  emu::HttpRequest request = std::move(*raw.request);
  const bool resigned = (mode & 1) != 0 && request.path().rfind("/_emulator/", 0) != 0;
  if (resigned) resign(request);
  if ((mode & 2) != 0) {
    remove_headers(request, emu::kControlTokenHeader);
    request.headers.emplace_back(emu::kControlTokenHeader, kToken);
  }

  const emu::FrontReply reply = front.handle(request);
  const bool control = request.path().rfind("/_emulator/", 0) == 0;
  if (control) {
    const std::string* token = request.header(emu::kControlTokenHeader);
    if (token == nullptr || *token != kToken) {
      FUZZ_CHECK(reply.status == 401, reply.body);
      FUZZ_CHECK(cloud.advanced == 0);
    }
    FUZZ_CHECK(reply.action == emu::FrontReply::Action::kRespond);
    boost::system::error_code ec;
    (void)json::parse(reply.body, ec);
    FUZZ_CHECK(!ec, reply.body);
    FUZZ_CHECK(cloud.calls == 0);
    return 0;
  }

  FUZZ_CHECK(reply.action == emu::FrontReply::Action::kRespond);  // no faults configured
  FUZZ_CHECK(reply.status == 200, reply.body);
  boost::system::error_code ec;
  json::value doc = json::parse(reply.body, ec);
  FUZZ_CHECK(!ec && doc.is_object(), reply.body);
  const json::value* response = doc.as_object().if_contains("Response");
  FUZZ_CHECK(response != nullptr && response->is_object(), reply.body);
  const json::value* id = response->as_object().if_contains("RequestId");
  FUZZ_CHECK(id != nullptr && id->is_string() && !id->as_string().empty(), reply.body);
  std::string code;
  if (const json::value* error = response->as_object().if_contains("Error")) {
    code = std::string(error->at("Code").as_string());
    FUZZ_CHECK(!code.empty(), reply.body);
  }
  if (cloud.calls > 0) {
    FUZZ_CHECK(code.empty(), reply.body);
    if (request.header("authorization") != nullptr)
      FUZZ_CHECK(carries_valid_tc3_signature(request),
                 "the cloud was reached without a valid signature");
  }
  if (resigned)
    FUZZ_CHECK(code.rfind("AuthFailure", 0) != 0, code + " for a request signed by our own signer");
  return 0;
}
