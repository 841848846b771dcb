// Credentials: a SecretId/SecretKey pair, an optional session token, and where they came
// from. The chain (env, credentials file, tccli profile) is resolved by load_credentials().
// SecretKey must never be logged, stored or put in an error message.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "base/result.h"

namespace tcplan::api {

// Copies and moves are ordinary; every copy wipes its SecretKey and token bytes
// (OPENSSL_cleanse) when it is destroyed, so a freed heap block never holds a key.
struct Credentials {
  Credentials() = default;
  Credentials(const Credentials&) = default;
  Credentials(Credentials&&) noexcept = default;
  Credentials& operator=(const Credentials&) = default;
  Credentials& operator=(Credentials&&) noexcept = default;
  ~Credentials();

  std::string secret_id;
  std::string secret_key;
  std::string token;   // X-TC-Token for temporary credentials; empty for long-term keys
  std::string region;  // a default region if the source names one
  std::string source;  // "environment", "/root/.tencentcloud/credentials [default]", ...
};

// Overwrites the bytes of `secret` (the whole capacity) before it is cleared.
void wipe(std::string& secret);

// Makes the process undumpable and its core size limit 0 (prctl(PR_SET_DUMPABLE, 0) and
// RLIMIT_CORE), so no core file and no ptrace by another process of the same user can read a
// SecretKey held in memory. Called whenever credentials are found; it lasts for the process
// (a key may still sit in a buffer the allocator has not reused). Idempotent.
void protect_secrets_in_memory();

// What the chain reads from the outside world, injectable so tests need no real HOME.
struct CredentialEnvironment {
  // nullopt when the variable is unset (set-but-empty is "" and is an error for our names).
  std::function<std::optional<std::string>(const std::string& name)> getenv;
  std::filesystem::path home;  // empty: no home directory, file sources are skipped

  // The process environment and $HOME.
  static CredentialEnvironment process();
};

// Resolves credentials, first source that has a key pair wins:
//  1. TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY (+ TENCENTCLOUD_TOKEN) — only for the
//     "default" profile, as tccli does: naming a profile means "use that profile's keys";
//  2. $TENCENTCLOUD_CREDENTIALS_FILE, else ~/.tencentcloud/credentials: INI section
//     [<profile>] with secret_id, secret_key (optional token, region);
//  3. tccli's ~/.tccli/<profile>.credential (JSON secretId, secretKey, token) with the region
//     from ~/.tccli/<profile>.configure (_sys_param.region).
// TENCENTCLOUD_REGION, when set, overrides any region a file names. A variable that is set but
// empty, a file named by TENCENTCLOUD_CREDENTIALS_FILE that cannot be read, or a section with
// only half a key pair is an error naming the culprit; the message never holds a secret.
base::Result<Credentials> load_credentials(
    const std::string& profile,
    const CredentialEnvironment& env = CredentialEnvironment::process());

// The file parsers behind sources 2 and 3: `text` is the file's bytes, `where` names it in
// messages (never a value from it). nullopt: the file has no key pair for the profile.
base::Result<std::optional<Credentials>> parse_credentials_ini(const std::string& text,
                                                               const std::string& where,
                                                               const std::string& profile);
base::Result<std::optional<Credentials>> parse_tccli_credential(const std::string& text,
                                                                const std::string& where);

// The same chain, but "no source has credentials" is an empty optional rather than an error,
// for callers with a fallback (the local emulator's fixed pair).
base::Result<std::optional<Credentials>> find_credentials(
    const std::string& profile,
    const CredentialEnvironment& env = CredentialEnvironment::process());

// A profile that assumes a role (the SDKs' role_arn key): [<profile>] with role_arn and either
// source_profile (whose keys sign the AssumeRole call) or its own secret_id/secret_key.
// Optional role_session_name, external_id, duration_seconds.
struct RoleProfile {
  std::string where;  // "<file> [<profile>]"
  std::string role_arn;
  std::string source_profile;  // empty: the section's own keys
  std::string session_name;
  std::string external_id;
  std::int64_t duration_s = 0;  // 0: the default
};
base::Result<std::optional<RoleProfile>> parse_role_profile(const std::string& text,
                                                            const std::string& where,
                                                            const std::string& profile);
// The same, read from $TENCENTCLOUD_CREDENTIALS_FILE or ~/.tencentcloud/credentials.
base::Result<std::optional<RoleProfile>> find_role_profile(const std::string& profile,
                                                           const CredentialEnvironment& env);

}  // namespace tcplan::api
