// Credentials: a SecretId/SecretKey pair, an optional session token, and where they came
// from. The chain (env, credentials file, tccli profile) is resolved by load_credentials().
// SecretKey must never be logged, stored or put in an error message.
#pragma once

#include <string>

namespace tcplan::api {

struct Credentials {
  std::string secret_id;
  std::string secret_key;
  std::string token;   // X-TC-Token for temporary credentials; empty for long-term keys
  std::string region;  // a default region if the source names one
  std::string source;  // "environment", "/root/.tencentcloud/credentials [default]", ...
};

}  // namespace tcplan::api
