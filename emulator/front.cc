#include "emulator/front.h"

#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <chrono>
#include <map>

#include "api/catalog.h"
#include "api/hash.h"
#include "base/time.h"
#include "base/utf8.h"
#include "emulator/flat_params.h"
#include "emulator/host.h"
#include "emulator/request_id.h"
#include "emulator/signature_check.h"

namespace tcplan::emulator {

namespace json = boost::json;

namespace {

std::int64_t system_now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

FrontReply json_reply(std::string body) {
  FrontReply reply;
  reply.body = std::move(body);
  return reply;
}

FrontReply reject(std::string_view service, const Rejection& r) {
  return json_reply(error_body(service, r.code, r.detail, new_request_id()));
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

// The common parameters of the v1 form: they sit beside the action's own parameters in the
// query or form body, but are not parameters of the action.
bool is_v1_common(std::string_view name) {
  static constexpr std::string_view kCommon[] = {
      "Action",    "Version",         "Region", "Timestamp", "Nonce",        "SecretId",
      "Signature", "SignatureMethod", "Token",  "Language",  "RequestClient"};
  for (auto c : kCommon) {
    if (name == c) return true;
  }
  return false;
}

// Finds the action the request names. With a service from the Host, only that service's
// actions count; from an IP literal, the version picks the service (CVM and ECM both have
// TerminateInstances).
base::Result<const api::ActionSpec*, Rejection> resolve_action(std::string_view service_of_host,
                                                               std::string_view action,
                                                               std::string_view version) {
  if (action.empty()) return Rejection{"MissingParameter", "(Action)"};
  if (version.empty()) return Rejection{"MissingParameter", "(Version)"};
  const api::Catalog& catalog = api::Catalog::builtin();
  bool action_known = false;
  for (const auto& spec : catalog.actions()) {
    if (spec.action != action) continue;
    if (!service_of_host.empty() && spec.service != service_of_host) continue;
    action_known = true;
    const api::ServiceSpec* svc = catalog.service(spec.service);
    const bool version_ok = spec.version == version ||
                            (svc != nullptr && std::find(svc->versions.begin(), svc->versions.end(),
                                                         version) != svc->versions.end());
    if (version_ok) return &spec;
  }
  if (!action_known)
    return Rejection{"InvalidAction", "(" + std::string(action) + " is not an action of " +
                                          (service_of_host.empty() ? std::string("EMR, CVM or ECM")
                                                                   : std::string(service_of_host)) +
                                          ")"};
  return Rejection{"NoSuchVersion",
                   "(" + std::string(version) + " for " + std::string(action) + ")"};
}

Rejection param_rejection(const api::ParamProblem& p) {
  const char* code = "InvalidParameterValue";
  if (p.kind == api::ParamProblem::Kind::kMissing) code = "MissingParameter";
  if (p.kind == api::ParamProblem::Kind::kUnknown) code = "UnknownParameter";
  return Rejection{code, "(" + p.path + ": " + p.message + ")"};
}

}  // namespace

std::string error_json(std::string_view code, std::string_view message,
                       const std::string& request_id) {
  // Details quote the request (a header's field name, a parameter path) and Boost.JSON writes
  // string bytes as they are: invalid UTF-8 there made the whole answer invalid JSON (found by
  // fuzz/emulator_http_fuzz.cc).
  json::object error{{"Code", base::valid_utf8(code)}, {"Message", base::valid_utf8(message)}};
  json::object response{{"Error", std::move(error)}, {"RequestId", request_id}};
  return json::serialize(json::object{{"Response", std::move(response)}});
}

std::string error_body(std::string_view service, std::string_view code, std::string_view detail,
                       const std::string& request_id) {
  std::string message(api::Catalog::builtin().error_message(service, code));
  if (message.empty()) message = std::string(code);
  if (!detail.empty()) message += " " + std::string(detail);
  return error_json(code, message, request_id);
}

Front::Front(Cloud& cloud, FrontOptions options)
    : cloud_(cloud),
      options_(std::move(options)),
      limiter_(options_.steady_now_ns ? options_.steady_now_ns : RateLimiter::Clock(steady_now_ns)),
      faults_(options_.faults, options_.seed) {
  if (!options_.wall_now_s) options_.wall_now_s = system_now_s;
}

Front::~Front() = default;

FrontReply Front::too_large() {
  FrontReply reply = json_reply(
      error_body("", "RequestSizeLimitExceeded",
                 "(GET is limited to 32 KB, POST to 1 MB with HmacSHA1/HmacSHA256 and 10 MB with "
                 "TC3-HMAC-SHA256)",
                 new_request_id()));
  reply.close = true;
  return reply;
}

FrontReply Front::handle(const HttpRequest& request) {
  if (request.path().rfind("/_emulator/", 0) == 0) return handle_control(request);
  if (request.method == "GET" && request.path().rfind("/latest/meta-data/", 0) == 0) {
    // The CVM metadata service: no signature, reachable only from the instance itself.
    const std::int64_t now_ms = cloud_.now_ms();
    auto answer = sts_.metadata(request.path(), now_ms);
    FrontReply reply;
    reply.status = answer.status;
    reply.content_type = answer.content_type;
    reply.body = std::move(answer.body);
    reply.date = http_date(now_ms);
    return reply;
  }
  return handle_api(request);
}

FrontReply Front::handle_control(const HttpRequest& request) {
  if (options_.control_token.empty()) {
    FrontReply reply = json_reply(R"({"error":"this emulator has no control paths"})");
    reply.status = 403;
    return reply;
  }
  const std::string* token = request.header(kControlTokenHeader);
  if (token == nullptr || !api::constant_time_equal(*token, options_.control_token)) {
    FrontReply reply = json_reply(
        R"({"error":"control paths need the X-Emulator-Token printed when the emulator started"})");
    reply.status = 401;
    return reply;
  }
  const std::string_view path = request.path();
  if (path == "/_emulator/state" && request.method == "GET") {
    json::value state = cloud_.state_json(cloud_.now_ms());
    if (state.is_object()) {
      json::object received;
      std::lock_guard lock(received_mu_);
      for (const auto& [name, n] : received_)
        received[name] = n;
      state.as_object()["Received"] = std::move(received);
    }
    return json_reply(json::serialize(state));
  }
  if (path == "/_emulator/advance" && request.method == "POST") {
    FlatParams query;
    std::int64_t ms = -1;
    if (decode_query(request.query(), &query)) {
      for (const auto& [k, v] : query) {
        if (k != "ms") continue;
        auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), ms);
        if (ec != std::errc() || ptr != v.data() + v.size()) ms = -1;
      }
    }
    if (ms < 0) {
      FrontReply reply = json_reply(R"({"error":"expected ?ms=N with N >= 0"})");
      reply.status = 400;
      return reply;
    }
    cloud_.advance_clock(ms);
    json::object out;
    out["now_ms"] = cloud_.now_ms();
    return json_reply(json::serialize(out));
  }
  if (path == "/_emulator/sts" && request.method == "POST") {
    FlatParams query;
    if (!decode_query(request.query(), &query)) query.clear();
    for (const auto& [k, v] : query) {
      std::string error;
      if (!sts_.configure(k, v, &error)) {
        json::object out{{"error", error}};
        FrontReply reply = json_reply(json::serialize(out));
        reply.status = 400;
        return reply;
      }
    }
    const StsKnobs knobs = sts_.knobs();
    json::object out{{"outage", knobs.outage},
                     {"role", knobs.role},
                     {"metadata_lifetime_s", knobs.metadata_lifetime_s},
                     {"fail_after", knobs.fail_after},
                     {"issued", sts_.issued()}};
    for (const auto& [k, v] : query) {
      if (k != "reveal" || v != "1") continue;
      json::array pairs;
      for (const auto& p : sts_.issued_pairs())
        pairs.push_back(json::object{
            {"secret_id", p.secret_id}, {"secret_key", p.secret_key}, {"token", p.token}});
      out["issued_pairs"] = std::move(pairs);
    }
    return json_reply(json::serialize(out));
  }
  FrontReply reply = json_reply(
      R"({"error":"unknown control path; try GET /_emulator/state, POST /_emulator/advance?ms=N or POST /_emulator/sts?outage=1"})");
  reply.status = 404;
  return reply;
}

FrontReply Front::handle_api(const HttpRequest& request) {
  const api::Catalog& catalog = api::Catalog::builtin();
  const std::string* host_header = request.header("host");
  const HostParts host = split_host(host_header != nullptr ? *host_header : "");
  const std::string service_of_host = host_service(host);

  if (request.method != "GET" && request.method != "POST")
    return reject(service_of_host, {"UnsupportedProtocol", "(" + request.method + ")"});
  if ((request.method == "GET" && request.target.size() > kMaxGetBytes) ||
      request.body.size() > kMaxTc3PostBytes)
    return too_large();

  const std::int64_t now_s = options_.wall_now_s();
  const std::string* content_type = request.header("content-type");
  const bool tc3 = request.header("authorization") != nullptr;

  // v1 carries everything, signature included, in the query (GET) or a form body (POST).
  FlatParams v1_params;
  std::map<std::string, std::string> v1_map;
  if (!tc3) {
    std::string_view source = request.query();
    if (request.method == "POST") {
      if (content_type == nullptr ||
          !starts_with_ci(*content_type, "application/x-www-form-urlencoded"))
        return reject(service_of_host, {"MissingParameter", "(Authorization)"});
      if (request.body.size() > kMaxV1PostBytes) return too_large();
      source = request.body;
    }
    if (!decode_query(source, &v1_params))
      return reject(service_of_host, {"InvalidParameter", "(malformed %-escape)"});
    for (const auto& [k, v] : v1_params)
      v1_map.emplace(k, v);
    if (v1_map.count("Signature") == 0)
      return reject(service_of_host, {"MissingParameter", "(Authorization)"});
  }

  auto signer = tc3 ? verify_tc3(request, options_.keys, service_of_host, now_s)
                    : verify_v1(request, v1_map, options_.keys, now_s);
  if (!signer.ok()) return reject(service_of_host, signer.error());
  // Temporary credentials die at their ExpiredTime, in emulator time.
  if (auto pair = options_.keys.find(signer->secret_id); pair && pair->expires_ms != 0) {
    if (const std::int64_t now_ms = cloud_.now_ms(); now_ms >= pair->expires_ms)
      return reject(
          service_of_host,
          {"AuthFailure.TokenFailure",
           "(the temporary credentials expired at " +
               base::format_utc(base::SysTime(std::chrono::milliseconds(pair->expires_ms))) + ")"});
  }

  auto common = [&](const char* header, const char* param) -> std::string {
    if (tc3) {
      const std::string* v = request.header(header);
      return v != nullptr ? *v : std::string();
    }
    auto it = v1_map.find(param);
    return it != v1_map.end() ? it->second : std::string();
  };
  const std::string action_name = common("x-tc-action", "Action");
  const std::string version = common("x-tc-version", "Version");
  const std::string region = common("x-tc-region", "Region");

  if (signer->scope_service == "sts" || host.name.rfind("sts.", 0) == 0) {
    if (request.method != "POST" || !tc3)
      return reject("sts", {"InvalidParameter", "(the emulator's STS takes TC3-signed POSTs)"});
    return handle_sts(request, action_name, version);
  }
  auto resolved = resolve_action(service_of_host, action_name, version);
  if (!resolved.ok()) return reject(service_of_host, resolved.error());
  const api::ActionSpec& spec = **resolved;
  {
    std::lock_guard lock(received_mu_);
    ++received_[spec.service + "." + spec.action];
  }
  // CVM documents Region as required for every action; EMR and ECM accept its absence.
  if (region.empty() && spec.service == "cvm")
    return reject(spec.service, {"MissingParameter", "(Region)"});

  if (options_.rate_limits &&
      !limiter_.allow(spec.service + "/" + spec.action + "\n" + signer->secret_id + "\n" + region,
                      spec.rate_limit))
    return reject(spec.service,
                  {"RequestLimitExceeded", "(" + spec.action + " allows " +
                                               std::to_string(spec.rate_limit) + " requests/s)"});

  ApiCall call;
  if (tc3 && request.method == "POST") {
    if (content_type == nullptr || !starts_with_ci(*content_type, "application/json"))
      return reject(
          spec.service,
          {"InvalidParameter", "(a TC3-HMAC-SHA256 POST takes Content-Type: application/json)"});
    if (!request.body.empty()) {
      boost::system::error_code ec;
      json::value body = json::parse(request.body, ec);
      if (ec || !body.is_object())
        return reject(spec.service, {"InvalidParameter", "(the body is not a JSON object)"});
      call.params = std::move(body.as_object());
    }
  } else {
    FlatParams flat;
    if (tc3) {
      if (!decode_query(request.query(), &flat))
        return reject(spec.service, {"InvalidParameter", "(malformed %-escape)"});
    } else {
      for (auto& kv : v1_params) {
        if (!is_v1_common(kv.first)) flat.push_back(std::move(kv));
      }
    }
    call.params = unflatten(flat, spec, catalog);
  }
  if (auto problems = api::validate_params(catalog, spec, call.params); !problems.empty())
    return reject(spec.service, param_rejection(problems.front()));

  const FaultDecision fault = faults_.next(spec.service, spec.action);
  FrontReply reply;
  reply.delay_ms = fault.latency_ms;
  call.request_id = new_request_id();
  if (fault.outcome != nullptr) {
    switch (fault.outcome->kind) {
      case FaultKind::kError:
        reply.body = fault.outcome->message.empty()
                         ? error_body(spec.service, fault.outcome->code, "", call.request_id)
                         : error_json(fault.outcome->code, fault.outcome->message, call.request_id);
        return reply;
      case FaultKind::kHttpStatus:
        reply.status = fault.outcome->http_status;
        reply.content_type = "text/plain";
        reply.body = "injected HTTP " + std::to_string(reply.status) + "\n";
        return reply;
      case FaultKind::kReset:
        reply.action = FrontReply::Action::kReset;
        return reply;
      case FaultKind::kCommitThenDrop:
      case FaultKind::kLatency:
        break;
    }
  }

  call.service = spec.service;
  call.action = spec.action;
  call.version = version;
  call.region = region;
  call.secret_id = signer->secret_id;
  call.now_ms = cloud_.now_ms();
  ApiReply answer = cloud_.handle(call);
  if (fault.outcome != nullptr && fault.outcome->kind == FaultKind::kCommitThenDrop) {
    reply.action = FrontReply::Action::kDrop;
    return reply;
  }
  if (!answer.ok()) {
    reply.body = answer.error_message.empty()
                     ? error_body(spec.service, answer.error_code, "", call.request_id)
                     : error_json(answer.error_code, answer.error_message, call.request_id);
    return reply;
  }
  answer.response["RequestId"] = call.request_id;
  json::object root;
  root["Response"] = std::move(answer.response);
  reply.body = json::serialize(root);
  return reply;
}

FrontReply Front::handle_sts(const HttpRequest& request, std::string_view action,
                             std::string_view version) {
  {
    std::lock_guard lock(received_mu_);
    ++received_["sts." + std::string(action)];
  }
  if (action != "AssumeRole")
    return reject("sts", {"InvalidAction", "(" + std::string(action) + ")"});
  if (version != kStsVersion)
    return reject("sts", {"NoSuchVersion", "(AssumeRole is version 2018-08-13)"});
  json::object params;
  if (!request.body.empty()) {
    boost::system::error_code ec;
    json::value body = json::parse(request.body, ec);
    if (ec || !body.is_object())
      return reject("sts", {"InvalidParameter", "(the body is not a JSON object)"});
    params = std::move(body.as_object());
  }
  const std::int64_t now_ms = cloud_.now_ms();
  ApiReply answer = sts_.assume_role(params, now_ms);
  const std::string request_id = new_request_id();
  FrontReply reply;
  reply.date = http_date(now_ms);
  if (!answer.ok()) {
    reply.body = error_json(answer.error_code, answer.error_message, request_id);
    return reply;
  }
  answer.response["RequestId"] = request_id;
  json::object root;
  root["Response"] = std::move(answer.response);
  reply.body = json::serialize(root);
  return reply;
}

}  // namespace tcplan::emulator
