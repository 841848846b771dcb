#include "api/client.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

#include "api/catalog.h"
#include "api/signer.h"
#include "base/redact.h"

namespace tcplan::api {
namespace {

namespace json = boost::json;

// A second copy of the catalog's service versions (docs/cloud-api.md, "Endpoints"). The built-in
// catalog holds all three services, so default_version never gets here for them; any other
// service gets "" and the caller asks for a version.
const char* fallback_version(const std::string& service) {
  if (service == "emr") return "2019-01-03";
  if (service == "cvm") return "2017-03-12";
  if (service == "ecm") return "2019-07-19";
  return "";
}

// A JSON document as a log line may show it: the one redaction rule (base/redact.h), then
// control characters escaped (the text formatter pastes messages in raw).
std::string loggable_json(json::value v) {
  base::process_redactor().redact_json(v);
  return base::printable(json::serialize(v));
}

std::string truncate_for_message(std::string_view body) {
  std::string s(body.substr(0, 120));
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  if (body.size() > 120) s += "...";
  return s;
}

std::int64_t system_now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Regions ("ap-guangzhou") and services ("emr") become DNS labels of the endpoint and values
// of X-TC-Region and the credential scope: lower-case letters, digits and '-' only, so a plan
// can neither inject a header nor point the host somewhere else.
bool is_label(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

}  // namespace

Headers Attempt::redacted_headers() const {
  Headers out = headers;
  for (auto& [name, value] : out)
    value = base::process_redactor().redact_header(name, value);
  return out;
}

base::Result<CallResponse, ApiError> parse_response(int http_status, std::string_view body) {
  auto fail = [&](const char* code, std::string message) {
    ApiError e;
    e.code = code;
    e.message = std::move(message);
    e.http_status = http_status;
    // The server answered: the request was certainly sent.
    e.maybe_sent = true;
    return e;
  };
  auto non_json = [&](const std::string& what) {
    if (http_status != 200) {
      return fail(kHttpStatus, "HTTP " + std::to_string(http_status) + " with " + what);
    }
    return fail(kParseJson, what);
  };

  boost::system::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec) return non_json("a body that is not JSON: " + truncate_for_message(body));
  json::object* response = nullptr;
  if (doc.is_object()) {
    if (auto* r = doc.get_object().if_contains("Response"); r != nullptr && r->is_object()) {
      response = &r->get_object();
    }
  }
  if (response == nullptr) return non_json("JSON without a Response object");

  std::string request_id;
  if (auto* id = response->if_contains("RequestId"); id != nullptr && id->is_string()) {
    request_id = std::string(id->get_string());
  }
  if (auto* err = response->if_contains("Error"); err != nullptr) {
    ApiError e;
    e.http_status = http_status;
    e.request_id = request_id;
    if (err->is_object()) {
      const auto& eo = err->get_object();
      if (auto* c = eo.if_contains("Code"); c != nullptr && c->is_string())
        e.code = c->get_string();
      if (auto* m = eo.if_contains("Message"); m != nullptr && m->is_string()) {
        e.message = m->get_string();
      }
    }
    if (e.code.empty()) {
      auto f = fail(kParseJson, "Response.Error without a Code");
      f.request_id = request_id;
      return f;
    }
    // "ClientError.*" names what this client saw, never what a server said: a server (or a
    // proxy) sending ClientError.NetworkError would otherwise read as "the request never
    // left" and let a write be re-sent blindly. Found by fuzz/response_fuzz.cc.
    if (e.code.rfind("ClientError.", 0) == 0) {
      auto f = fail(kParseJson,
                    "Response.Error with the client-side code " + truncate_for_message(e.code));
      f.request_id = request_id;
      return f;
    }
    return e;
  }
  if (http_status != 200) {
    auto f = fail(kHttpStatus, "HTTP " + std::to_string(http_status) + " without Response.Error");
    f.request_id = request_id;
    return f;
  }
  CallResponse out;
  out.response = std::move(*response);  // same memory resource: no copy of the tree
  out.request_id = std::move(request_id);
  out.http_status = http_status;
  return out;
}

Client::Client(Credentials credentials, ClientOptions options)
    : options_(std::move(options)), transport_(std::make_unique<Transport>()) {
  if (!options_.now_seconds) options_.now_seconds = system_now_seconds;
  // Registered before anything is signed: no log line, trail row or message built after
  // this point can carry them.
  base::process_redactor().add_secret(credentials.secret_key);
  base::process_redactor().add_secret(credentials.token);
  CredentialIdentity identity;
  identity.provider = "static";
  identity.where = credentials.source;
  identity.secret_id = credentials.secret_id;
  source_ = make_static_source(std::move(credentials), std::move(identity));
}

Client::Client(std::shared_ptr<CredentialSource> source, ClientOptions options)
    : source_(std::move(source)),
      options_(std::move(options)),
      transport_(std::make_unique<Transport>()) {
  if (!options_.now_seconds) options_.now_seconds = system_now_seconds;
}

Client::~Client() = default;

std::string Client::default_version(const std::string& service, const std::string& action) {
  const Catalog& catalog = Catalog::builtin();
  if (const ActionSpec* a = catalog.find(service, action)) return a->version;
  if (const ServiceSpec* s = catalog.service(service); s != nullptr && !s->version.empty()) {
    return s->version;
  }
  return fallback_version(service);
}

std::string Client::endpoint_for(const std::string& service, const std::string& region) const {
  if (!options_.endpoint.empty()) {
    // "host[:port]" alone means https, as tccli's endpoint setting does.
    if (options_.endpoint.find("://") == std::string::npos) {
      return "https://" + options_.endpoint + "/";
    }
    return options_.endpoint;
  }
  const ServiceSpec* spec = Catalog::builtin().service(service);
  if (options_.regional_host && !region.empty()) {
    return "https://" +
           (spec != nullptr ? spec->regional_host(region)
                            : service + "." + region + ".tencentcloudapi.com") +
           "/";
  }
  return "https://" +
         (spec != nullptr && !spec->host.empty() ? spec->host : service + ".tencentcloudapi.com") +
         "/";
}

base::Result<CallResponse, ApiError> Client::call(const CallRequest& request,
                                                  CallObserver* observer) const {
  if (observer == nullptr) observer = default_observer_.get();
  auto unavailable = [&](const std::string& why) {
    ApiError e;
    e.code = kCredentialsUnavailable;
    e.message = base::printable(why);
    e.service = request.service;
    e.action = request.action;
    return e;
  };
  auto snapshot = source_->current();
  if (!snapshot) return unavailable(snapshot.error().message);
  // One snapshot for the whole attempt: a refresh on another thread cannot mix two key pairs.
  const SnapshotPtr used = *snapshot;
  auto result = attempt(request, observer, used->credentials);
  if (result || !is_token_rejection(result.error().code)) return result;
  auto fresh = source_->refresh_after_rejection(used);
  if (!fresh) return unavailable(fresh.error().message);
  if ((*fresh)->generation == used->generation) return result;  // nothing newer to try
  spdlog::debug("{} {} refused with {}: signed again with refreshed credentials #{}",
                base::printable(request.service), base::printable(request.action),
                base::printable(result.error().code), (*fresh)->generation);
  return attempt(request, observer, (*fresh)->credentials);
}

base::Result<CallResponse, ApiError> Client::attempt(const CallRequest& request,
                                                     CallObserver* observer,
                                                     const Credentials& credentials) const {
  Attempt attempt;
  attempt.service = request.service;
  attempt.action = request.action;
  attempt.version =
      request.version.empty() ? default_version(request.service, request.action) : request.version;
  attempt.region = request.region.empty() ? options_.region : request.region;
  attempt.url = endpoint_for(request.service, attempt.region);
  if (auto* token = request.params.if_contains("ClientToken");
      token != nullptr && token->is_string()) {
    attempt.client_token = token->get_string();
  }

  // Every error leaves here: what a server (or a transport) said is redacted, and its
  // control characters escaped, before any caller prints or logs it.
  auto with_context = [&](ApiError e) {
    e.service = request.service;
    e.action = request.action;
    e.region = attempt.region;
    e.code = base::escape_control(e.code);
    e.message = base::printable(e.message);
    e.request_id = base::escape_control(e.request_id);
    return e;
  };

  auto invalid = [&](std::string message) {
    ApiError e;
    e.code = kInvalidRequest;
    e.message = std::move(message);
    return with_context(e);
  };
  // Checked before the URL is built from them and before anything is recorded or sent.
  if (!attempt.region.empty() && !is_label(attempt.region))
    return invalid("region must be lower-case letters, digits and '-' (e.g. ap-guangzhou)");
  if (!request.service.empty() && !is_label(request.service))
    return invalid("service must be lower-case letters, digits and '-' (e.g. emr)");

  auto url = parse_endpoint_url(attempt.url);
  if (!url) return with_context(url.error());
  if (request.service.empty() || request.action.empty() || attempt.version.empty()) {
    ApiError e;
    e.code = kInvalidRequest;
    e.message = request.service.empty() || request.action.empty()
                    ? "a call needs a service and an action"
                    : "no API version known for service '" + request.service + "'; pass one";
    return with_context(e);
  }
  attempt.host = url->host_header;
  attempt.body = json::serialize(request.params);
  attempt.timestamp = options_.now_seconds();

  // Signed as the official SDKs sign: the host without its port (tencentcloud-sdk-nodejs signs
  // URL.hostname while its Host header carries the port; docs/cloud-api.md, "Signing"), and
  // Content-Type without a charset, which libcurl sends untouched.
  Tc3Request to_sign;
  to_sign.signed_headers = {{"content-type", "application/json"}, {"host", url->signed_host}};
  to_sign.payload = attempt.body;
  to_sign.service = request.service;
  to_sign.timestamp = attempt.timestamp;
  Tc3Signature signature = sign_tc3(to_sign, credentials.secret_id, credentials.secret_key);

  attempt.headers = {{"Content-Type", "application/json"},
                     {"Host", attempt.host},
                     {"X-TC-Action", request.action},
                     {"X-TC-Version", attempt.version},
                     {"X-TC-Timestamp", std::to_string(attempt.timestamp)}};
  if (!attempt.region.empty()) attempt.headers.emplace_back("X-TC-Region", attempt.region);
  if (!credentials.token.empty()) attempt.headers.emplace_back("X-TC-Token", credentials.token);
  attempt.headers.emplace_back("X-TC-RequestClient", options_.user_agent);
  attempt.headers.emplace_back("User-Agent", options_.user_agent);
  attempt.headers.emplace_back("Authorization", signature.authorization);
  for (const auto& [name, value] : attempt.headers) {
    if (auto bad = header_problem(name, value)) return invalid(*bad);
  }

  spdlog::debug("call {} {} version={} region={} host={}", base::printable(request.service),
                base::printable(request.action), base::printable(attempt.version),
                attempt.region.empty() ? "-" : base::printable(attempt.region),
                base::printable(attempt.host));
  if (spdlog::should_log(spdlog::level::trace)) {
    for (const auto& [name, value] : attempt.redacted_headers()) {
      spdlog::trace("request header {}: {}", base::printable(name), base::printable(value));
    }
    spdlog::trace("request body: {}", loggable_json(json::value(request.params)));
  }

  attempt.sent_at = std::chrono::system_clock::now();
  if (observer != nullptr) {
    auto recorded = observer->before_send(attempt);
    if (!recorded) {
      ApiError e;
      e.code = kNotSent;
      e.message = "not sent: " + recorded.error().message;
      spdlog::debug("{} {} not sent: {}", base::printable(request.service),
                    base::printable(request.action), base::printable(e.message));
      return with_context(e);
    }
  }

  const ActionSpec* spec =
      Catalog::builtin().find(request.service, request.action, attempt.version);
  HttpRequest http;
  http.url = attempt.url;
  http.headers = attempt.headers;
  http.body = attempt.body;
  http.connect_timeout = options_.connect_timeout;
  http.total_timeout = options_.total_timeout;
  // Unknown actions count as mutating: never let libcurl re-send them behind our back.
  http.idempotent = spec != nullptr && !spec->mutating;
  http.cancel = options_.cancel;

  auto sent = transport_->post(http);
  Outcome outcome;
  outcome.received_at = std::chrono::system_clock::now();
  base::Result<CallResponse, ApiError> result = ApiError{};
  if (!sent) {
    outcome.error_code = sent.error().code;
    outcome.error_message = sent.error().message;
    outcome.maybe_sent = sent.error().maybe_sent;
    outcome.latency_ms =
        std::chrono::duration<double, std::milli>(outcome.received_at - attempt.sent_at).count();
    result = with_context(sent.error());
  } else {
    outcome.http_status = sent->status;
    outcome.latency_ms = sent->latency_ms;
    outcome.maybe_sent = true;
    result = parse_response(sent->status, sent->body);
    if (result) {
      result->latency_ms = sent->latency_ms;
      outcome.request_id = result->request_id;
    } else {
      outcome.request_id = result.error().request_id;
      outcome.error_code = result.error().code;
      outcome.error_message = result.error().message;
      result = with_context(result.error());
    }
    outcome.body = std::move(sent->body);
  }

  spdlog::debug(
      "{} {} host={} -> {} {} in {:.1f} ms{}", base::printable(request.service),
      base::printable(request.action), base::printable(attempt.host),
      outcome.http_status == 0 ? std::string("no response")
                               : "HTTP " + std::to_string(outcome.http_status),
      outcome.error_code.empty() ? std::string("ok") : base::printable(outcome.error_code),
      outcome.latency_ms,
      outcome.request_id.empty() ? std::string()
                                 : " RequestId " + base::printable(outcome.request_id));
  if (spdlog::should_log(spdlog::level::trace) && !outcome.body.empty()) {
    // Redacted like the request: an answer may echo what was sent (or carry keys of its own).
    // Cut after redaction, so a cut never splits a secret into an unrecognisable prefix.
    boost::system::error_code ec;
    json::value doc = json::parse(outcome.body, ec);
    std::string shown = !ec ? loggable_json(std::move(doc))
                            : base::printable(base::process_redactor().redact_text(outcome.body));
    spdlog::trace("response body: {}", shown.substr(0, 4096));
  }

  if (observer != nullptr) observer->after_receive(attempt, outcome);
  return result;
}

}  // namespace tcplan::api
