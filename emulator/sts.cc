#include "emulator/sts.h"

#include <openssl/rand.h>

#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <stdexcept>

#include "base/hex.h"
#include "base/time.h"

namespace tcplan::emulator {
namespace {

namespace json = boost::json;

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1)
    throw std::runtime_error("RAND_bytes failed");
  return base::to_hex(raw);
}

std::string string_param(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

bool valid_session_name(std::string_view s) {
  if (s.size() < 2 || s.size() > 128) return false;
  for (unsigned char c : s) {
    if (!(std::isalnum(c) ||
          std::string_view("_+=,.@-").find(static_cast<char>(c)) != std::string_view::npos))
      return false;
  }
  return true;
}

// qcs::cam::uin/<digits>:roleName/<name> or :role/<id>
bool valid_role_arn(std::string_view arn) {
  constexpr std::string_view kPrefix = "qcs::cam::uin/";
  if (arn.substr(0, kPrefix.size()) != kPrefix) return false;
  arn.remove_prefix(kPrefix.size());
  auto colon = arn.find(':');
  if (colon == 0 || colon == std::string_view::npos) return false;
  for (char c : arn.substr(0, colon)) {
    if (c < '0' || c > '9') return false;
  }
  std::string_view rest = arn.substr(colon + 1);
  for (std::string_view kind : {"roleName/", "role/"}) {
    if (rest.substr(0, kind.size()) == kind && rest.size() > kind.size()) return true;
  }
  return false;
}

}  // namespace

std::string http_date(std::int64_t unix_ms) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

KeyPair Sts::issue(std::int64_t lifetime_s, std::int64_t now_ms) {
  KeyPair pair;
  pair.secret_id = "AKIDtmp" + random_hex(16);
  pair.secret_key = random_hex(20);
  pair.token = random_hex(48);
  pair.expires_ms = now_ms + lifetime_s * 1000;
  keys_.add_temporary(pair, now_ms);
  ++issued_;
  {
    std::lock_guard lock(mu_);
    if (issued_pairs_.size() >= 1000) issued_pairs_.erase(issued_pairs_.begin());
    issued_pairs_.push_back(pair);
  }
  return pair;
}

ApiReply Sts::assume_role(const json::object& params, std::int64_t now_ms) {
  const StsKnobs k = knobs();
  if (k.outage || (k.fail_after >= 0 && assumed_.load() >= k.fail_after))
    return ApiReply::error("InternalError.SystemError", "Internal error. (STS outage, injected)");
  const std::string arn = string_param(params, "RoleArn");
  const std::string session = string_param(params, "RoleSessionName");
  if (arn.empty()) return ApiReply::error("MissingParameter", "The parameter RoleArn is missing.");
  if (session.empty())
    return ApiReply::error("MissingParameter", "The parameter RoleSessionName is missing.");
  if (!valid_role_arn(arn))
    return ApiReply::error("InvalidParameter.ParamError",
                           "RoleArn must be qcs::cam::uin/<uin>:roleName/<name> or :role/<id>.");
  if (!valid_session_name(session))
    return ApiReply::error("InvalidParameter.ParamError",
                           "RoleSessionName must be 2-128 characters of [\\w+=,.@-].");
  // A role whose name says it does not exist, so tests can reach the documented code.
  if (arn.find("/missing") != std::string::npos)
    return ApiReply::error("ResourceNotFound.RoleNotExist", "The role does not exist.");
  std::int64_t duration = kStsDefaultSeconds;
  if (auto* d = params.if_contains("DurationSeconds")) {
    if (!d->is_int64() || d->get_int64() < 1)
      return ApiReply::error("InvalidParameter.ParamError",
                             "DurationSeconds must be a positive integer.");
    duration = d->get_int64();
  }
  if (duration > kStsMaxSeconds)
    return ApiReply::error("InvalidParameter.OverTimeError",
                           "DurationSeconds must not exceed 43200.");
  KeyPair pair = issue(duration, now_ms);
  ++assumed_;
  json::object creds{
      {"Token", pair.token}, {"TmpSecretId", pair.secret_id}, {"TmpSecretKey", pair.secret_key}};
  ApiReply reply;
  reply.response["Credentials"] = std::move(creds);
  reply.response["ExpiredTime"] = pair.expires_ms / 1000;
  reply.response["Expiration"] =
      base::format_utc(base::SysTime(std::chrono::milliseconds(pair.expires_ms)));
  return reply;
}

Sts::MetadataAnswer Sts::metadata(std::string_view path, std::int64_t now_ms) {
  constexpr std::string_view kPrefix = "/latest/meta-data/cam/security-credentials/";
  MetadataAnswer a;
  const StsKnobs k = knobs();
  if (path.substr(0, kPrefix.size()) != kPrefix) {
    a.status = 404;
    a.body = "Not Found\n";
    return a;
  }
  if (k.outage) {
    a.status = 500;
    a.body = "metadata service unavailable (injected)\n";
    return a;
  }
  std::string_view role = path.substr(kPrefix.size());
  if (role.empty()) {
    if (k.role.empty()) {
      a.status = 404;
      a.body = "Not Found\n";
    } else {
      a.body = k.role;
    }
    return a;
  }
  if (role != k.role) {
    a.status = 404;
    a.body = "Not Found\n";
    return a;
  }
  KeyPair pair = issue(k.metadata_lifetime_s, now_ms);
  json::object o{
      {"TmpSecretId", pair.secret_id},
      {"TmpSecretKey", pair.secret_key},
      {"ExpiredTime", pair.expires_ms / 1000},
      {"Expiration", base::format_utc(base::SysTime(std::chrono::milliseconds(pair.expires_ms)))},
      {"Token", pair.token},
      {"Code", "Success"}};
  a.content_type = "application/json";
  a.body = json::serialize(o);
  return a;
}

bool Sts::configure(std::string_view key, std::string_view value, std::string* error) {
  std::lock_guard lock(mu_);
  if (key == "outage") {
    if (value != "0" && value != "1") {
      *error = "outage takes 0 or 1";
      return false;
    }
    knobs_.outage = value == "1";
    return true;
  }
  if (key == "fail_after") {
    std::int64_t n = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || p != value.data() + value.size() || n < -1) {
      *error = "fail_after takes -1 (never) or a number of AssumeRole answers";
      return false;
    }
    knobs_.fail_after = n;
    return true;
  }
  if (key == "reveal") return true;  // read by the front
  if (key == "role") {
    knobs_.role = std::string(value);
    return true;
  }
  if (key == "metadata_lifetime_s") {
    std::int64_t n = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || p != value.data() + value.size() || n < 1) {
      *error = "metadata_lifetime_s takes a positive number of seconds";
      return false;
    }
    knobs_.metadata_lifetime_s = n;
    return true;
  }
  *error =
      "unknown knob '" + std::string(key) + "'; try outage, fail_after, role, metadata_lifetime_s";
  return false;
}

std::vector<KeyPair> Sts::issued_pairs() const {
  std::lock_guard lock(mu_);
  return issued_pairs_;
}

StsKnobs Sts::knobs() const {
  std::lock_guard lock(mu_);
  return knobs_;
}

}  // namespace tcplan::emulator
