#include "api/role_credentials.h"

#include <unistd.h>

#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <cstdlib>

#include "api/client.h"
#include "api/transport.h"
#include "base/redact.h"
#include "base/text.h"

namespace tcplan::api {
namespace {

namespace json = boost::json;

std::string string_field(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::optional<std::int64_t> int_field(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() < (1ull << 62))
    return static_cast<std::int64_t>(v->get_uint64());
  return std::nullopt;
}

bool has_control(const std::string& v) {
  for (unsigned char c : v) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

base::Result<Fetched> checked(Fetched f, const std::string& where) {
  if (f.credentials.secret_id.empty() || f.credentials.secret_key.empty() ||
      f.credentials.token.empty())
    return base::Error{where + ": the answer lacks TmpSecretId, TmpSecretKey or Token"};
  if (has_control(f.credentials.secret_id) || has_control(f.credentials.secret_key) ||
      has_control(f.credentials.token))
    return base::Error{where + ": a temporary credential holds a control character"};
  if (f.expires_at_s <= 0) return base::Error{where + ": the answer lacks ExpiredTime"};
  return f;
}

std::int64_t system_now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

base::Result<Fetched> parse_metadata_credentials(const std::string& body, const std::string& where,
                                                 std::int64_t cloud_now_s) {
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec || !doc.is_object()) return base::Error{where + ": the answer is not a JSON object"};
  const auto& o = doc.get_object();
  if (auto code = string_field(o, "Code"); !code.empty() && code != "Success")
    return base::Error{where + ": the metadata service answered Code " + base::printable(code)};
  Fetched f;
  f.credentials.secret_id = string_field(o, "TmpSecretId");
  f.credentials.secret_key = string_field(o, "TmpSecretKey");
  f.credentials.token = string_field(o, "Token");
  f.expires_at_s = int_field(o, "ExpiredTime").value_or(0);
  f.cloud_now_s = cloud_now_s;
  return checked(std::move(f), where);
}

base::Result<Fetched> parse_assume_role_response(const json::object& response,
                                                 std::int64_t duration_s) {
  const std::string where = "sts AssumeRole";
  auto* creds = response.if_contains("Credentials");
  if (creds == nullptr || !creds->is_object())
    return base::Error{where + ": the answer lacks Credentials"};
  const auto& c = creds->get_object();
  Fetched f;
  f.credentials.secret_id = string_field(c, "TmpSecretId");
  f.credentials.secret_key = string_field(c, "TmpSecretKey");
  f.credentials.token = string_field(c, "Token");
  f.expires_at_s = int_field(response, "ExpiredTime").value_or(0);
  f.cloud_now_s = f.expires_at_s - duration_s;
  return checked(std::move(f), where);
}

Fetcher cvm_role_fetcher(CvmRoleOptions options, std::shared_ptr<std::string> role_out) {
  auto transport = std::make_shared<Transport>();
  std::string base = options.base_url;
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  return [transport, base, options, role_out]() -> base::Result<Fetched> {
    auto get = [&](const std::string& url) -> base::Result<HttpResponse> {
      HttpRequest r;
      r.url = url;
      r.get = true;
      r.metadata_service = true;
      r.connect_timeout = options.timeout;
      r.total_timeout = options.timeout;
      auto got = transport->post(r);
      if (!got)
        return base::Error{"GET " + url + ": " + got.error().code + ": " + got.error().message};
      if (got->status != 200)
        return base::Error{"GET " + url + ": HTTP " + std::to_string(got->status)};
      return std::move(*got);
    };
    const std::string list = base + "/meta-data/cam/security-credentials/";
    std::string role = options.role;
    if (role.empty()) {
      auto names = get(list);
      if (!names) return names.error();
      // One role per instance; the first line is it.
      std::string_view first = names->body;
      first = first.substr(0, first.find('\n'));
      role = std::string(base::trim(first, " \t\r\n"));
      bool ok = !role.empty();
      for (unsigned char c : role) {
        if (!(std::isalnum(c) || c == '_' || c == '-' || c == '.' || c == '@' || c == '+' ||
              c == '=' || c == ','))
          ok = false;
      }
      if (!ok) return base::Error{"GET " + list + ": no CAM role is bound to this instance"};
    }
    if (role_out) *role_out = role;
    auto answer = get(list + role);
    if (!answer) return answer.error();
    const std::int64_t now = parse_http_date(answer->date).value_or(system_now_s());
    return parse_metadata_credentials(answer->body, "GET " + list + role, now);
  };
}

base::Status<base::Error> check_assume_role(const AssumeRoleOptions& o) {
  // qcs::cam::uin/<uin>:roleName/<name> or qcs::cam::uin/<uin>:role/<id>, service roles too.
  if (o.role_arn.rfind("qcs::cam::uin/", 0) != 0 ||
      (o.role_arn.find(":roleName/") == std::string::npos &&
       o.role_arn.find(":role/") == std::string::npos) ||
      has_control(o.role_arn))
    return base::Error{"--role-arn / role_arn must look like qcs::cam::uin/<uin>:roleName/<name>"};
  if (o.session_name.size() < 2 || o.session_name.size() > 128)
    return base::Error{"--role-session-name / role_session_name must be 2 to 128 characters"};
  for (unsigned char c : o.session_name) {
    if (!(std::isalnum(c) ||
          std::string_view("_+=,.@-").find(static_cast<char>(c)) != std::string_view::npos))
      return base::Error{
          "--role-session-name / role_session_name may hold letters, digits and _+=,.@- only"};
  }
  if (o.duration_s < 1 || o.duration_s > kMaxAssumeRoleSeconds)
    return base::Error{"--duration / duration_seconds must be 1 to 43200 seconds"};
  if (has_control(o.external_id))
    return base::Error{"--external-id / external_id holds a control character"};
  return {};
}

Fetcher assume_role_fetcher(std::shared_ptr<Client> sts, AssumeRoleOptions options) {
  return [sts, options]() -> base::Result<Fetched> {
    CallRequest request;
    request.service = "sts";
    request.action = "AssumeRole";
    request.version = kStsVersion;
    request.region = options.region;
    request.params["RoleArn"] = options.role_arn;
    request.params["RoleSessionName"] = options.session_name;
    request.params["DurationSeconds"] = options.duration_s;
    if (!options.external_id.empty()) request.params["ExternalId"] = options.external_id;
    auto answer = sts->call(request);
    if (!answer) {
      const auto& e = answer.error();
      return base::Error{"sts AssumeRole " + options.role_arn + ": " + e.code + ": " + e.message +
                         (e.request_id.empty() ? "" : " (RequestId " + e.request_id + ")")};
    }
    return parse_assume_role_response(answer->response, options.duration_s);
  };
}

std::string default_session_name() {
  std::string user;
  if (const char* u = std::getenv("USER"); u != nullptr) user = u;
  std::string clean;
  for (unsigned char c : user) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') clean += static_cast<char>(c);
  }
  if (clean.empty()) clean = "user";
  return "tcplan-" + clean.substr(0, 64) + "-" + std::to_string(system_now_s());
}

}  // namespace tcplan::api
