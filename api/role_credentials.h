// The two role providers' fetches: the CVM metadata service (an instance's CAM role) and STS
// AssumeRole. Each becomes a Fetcher for a RefreshingSource; the response parsers are pure
// functions so that every documented answer shape is tested without a server.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "api/credential_source.h"
#include "base/result.h"

namespace tcplan::api {

class Client;
class Transport;

// The documented metadata address; TENCENTCLOUD_METADATA_URL replaces it (an emulator).
inline constexpr const char* kDefaultMetadataUrl = "http://metadata.tencentyun.com/latest";
inline constexpr const char* kStsVersion = "2018-08-13";
inline constexpr std::int64_t kDefaultAssumeRoleSeconds = 7200;  // the SDKs' and STS's default
inline constexpr std::int64_t kMaxAssumeRoleSeconds = 43200;

// GET {base}/meta-data/cam/security-credentials/{role}:
// {"TmpSecretId","TmpSecretKey","Token","ExpiredTime","Expiration","Code":"Success"}.
// `cloud_now_s` is the clock the answer came with. Messages never hold a value.
base::Result<Fetched> parse_metadata_credentials(const std::string& body, const std::string& where,
                                                 std::int64_t cloud_now_s);

// STS AssumeRole's Response: Credentials{Token, TmpSecretId, TmpSecretKey}, ExpiredTime,
// Expiration. The cloud's clock is taken as ExpiredTime - DurationSeconds (what it granted).
base::Result<Fetched> parse_assume_role_response(const boost::json::object& response,
                                                 std::int64_t duration_s);

struct CvmRoleOptions {
  std::string base_url = kDefaultMetadataUrl;  // ".../latest"
  std::string role;  // empty: ask the metadata service for the instance's role
  std::chrono::milliseconds timeout{5'000};
};
// Discovers the role (when not given) on every fetch, as the SDKs do: a role swapped on the
// instance is picked up at the next refresh. Sets `*role_out` to the role name once known.
Fetcher cvm_role_fetcher(CvmRoleOptions options, std::shared_ptr<std::string> role_out);

struct AssumeRoleOptions {
  std::string role_arn;
  std::string session_name;
  std::string external_id;  // optional
  std::int64_t duration_s = kDefaultAssumeRoleSeconds;
  std::string region;  // AssumeRole's Region parameter (common; required)
};
// Checks what can be checked offline (ARN shape, session name, duration) so a typo fails
// before any request; the message names the flag or key, never a secret.
base::Status<base::Error> check_assume_role(const AssumeRoleOptions& options);
// Calls sts AssumeRole with `sts` (signed by the source identity's credentials).
Fetcher assume_role_fetcher(std::shared_ptr<Client> sts, AssumeRoleOptions options);

// "tcplan-<user>-<unix seconds>": a session name that says who ran what, when none is given.
std::string default_session_name();

}  // namespace tcplan::api
