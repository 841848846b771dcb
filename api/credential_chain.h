// The whole credential chain, in the official SDKs' order: environment, credentials file,
// tccli profile (credentials.h), then the CVM instance role from the metadata service; and,
// when a role is named (flags or a role_arn profile), STS AssumeRole signed by whichever of
// those holds the source identity. The answer is one CredentialSource for every Client.
#pragma once

#include <memory>
#include <string>

#include "api/client.h"
#include "api/credential_source.h"
#include "api/credentials.h"
#include "api/role_credentials.h"
#include "base/result.h"

namespace tcplan::api {

inline constexpr const char* kEnvMetadataUrl = "TENCENTCLOUD_METADATA_URL";

struct ChainOptions {
  std::string profile = "default";
  // From --role-arn etc.; role_arn empty: a role_arn profile, if any, decides.
  AssumeRoleOptions assume;
  // Try the CVM metadata service when no static source has keys: always for the real cloud,
  // for an --endpoint only when TENCENTCLOUD_METADATA_URL names a metadata service.
  bool cvm_role = true;
  // Where the STS call goes and how it is signed (endpoint, region, clock, cancel).
  ClientOptions sts;
  RefreshOptions refresh;
};

// nullopt: no source has credentials (the caller may fall back to a local pair). A role that
// is named but cannot be assumed, or a metadata service that answers with an error, is an
// error naming the source; the first temporary credentials are fetched here, so a broken
// source fails before any work starts.
base::Result<std::shared_ptr<CredentialSource>> resolve_credential_source(
    const ChainOptions& options, const CredentialEnvironment& env);

// "environment", "profile", "tccli" for a static Credentials.source.
CredentialIdentity static_identity(const Credentials& credentials);

}  // namespace tcplan::api
