// Where a Client gets the credentials it signs with: an immutable snapshot per request, handed
// out by a thread-safe source. Static sources (environment, credentials file, tccli) never
// change; refreshing sources (CVM instance role, STS AssumeRole) fetch temporary credentials
// and fetch again ahead of their expiry, so a request is never signed with a key about to die.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "api/credentials.h"
#include "base/result.h"

namespace tcplan::api {

// Temporary credentials are fetched again once they are this close to expiry, in the cloud's
// time: the SDKs' ExpiredTimeout (300 s). At --time-scale N that is 300/N s of ours.
inline constexpr std::chrono::seconds kRefreshMargin{300};

// One set of credentials, as one request is signed with it. Never changed once handed out:
// two requests signed at the same moment use whole snapshots, never half of each.
struct CredentialSnapshot {
  Credentials credentials;
  std::optional<std::int64_t> expires_at_s;  // cloud Unix seconds; nullopt: long-term keys
  std::uint64_t generation = 0;              // 1 for the first fetch, +1 for every refresh
};
using SnapshotPtr = std::shared_ptr<const CredentialSnapshot>;

// Who is signing, for logs, the trail and the report. Never holds a secret.
struct CredentialIdentity {
  std::string provider;      // "environment", "profile", "tccli", "cvm-role", "assume-role", ...
  std::string where;         // the file, section or URL the keys came from
  std::string role;          // the role ARN (assume-role) or role name (cvm-role); else empty
  std::string session_name;  // assume-role's RoleSessionName; else empty
  std::string secret_id;     // the long-term SecretId (public); empty for temporary keys
};

class CredentialSource {
 public:
  virtual ~CredentialSource() = default;
  // The snapshot to sign the next request with, fetched again first when it is within
  // kRefreshMargin of expiry. Thread-safe; callers wait while one thread fetches.
  virtual base::Result<SnapshotPtr> current() = 0;
  // The cloud refused a request signed with `used` as an invalid or expired token: a fresher
  // snapshot (one fetch however many requests were refused with the same one).
  virtual base::Result<SnapshotPtr> refresh_after_rejection(const SnapshotPtr& used) = 0;
  virtual CredentialIdentity identity() const = 0;
  // How many fetches have succeeded (0 for a static source).
  virtual std::uint64_t refreshes() const { return 0; }
  // Replaces RefreshOptions::on_failure (set once the run that must stop exists).
  virtual void set_on_failure(std::function<void(const std::string& why)>) {}
};

// Long-term keys (or a token the user supplied): current() always returns the same snapshot.
std::shared_ptr<CredentialSource> make_static_source(Credentials credentials,
                                                     CredentialIdentity identity);

// What one fetch of temporary credentials returned.
struct Fetched {
  Credentials credentials;
  std::int64_t expires_at_s = 0;  // the cloud's ExpiredTime
  std::int64_t cloud_now_s = 0;   // the cloud's clock when it answered (Date, or derived)
};
using Fetcher = std::function<base::Result<Fetched>()>;

struct RefreshOptions {
  // Cloud time runs this many times faster than ours (an emulator's --time-scale; 1 in the
  // real cloud): the margin and the remaining lifetime are divided by it.
  double time_scale = 1.0;
  std::chrono::seconds margin = kRefreshMargin;
  // Our monotonic clock; tests inject one.
  std::function<std::chrono::steady_clock::time_point()> steady_now;
  // Called once, on the first failed refresh: the caller stops starting new work. In-flight
  // requests keep their snapshots.
  std::function<void(const std::string& why)> on_failure;
};

class RefreshingSource : public CredentialSource {
 public:
  RefreshingSource(Fetcher fetch, CredentialIdentity identity, RefreshOptions options);

  base::Result<SnapshotPtr> current() override;
  base::Result<SnapshotPtr> refresh_after_rejection(const SnapshotPtr& used) override;
  CredentialIdentity identity() const override { return identity_; }
  std::uint64_t refreshes() const override;
  void set_on_failure(std::function<void(const std::string& why)> f) override;

  // Pure: the local time at which credentials fetched at `fetched_at` (cloud clock
  // `cloud_now_s`) and expiring at `expires_at_s` must be fetched again.
  static std::chrono::steady_clock::time_point refresh_at(
      std::chrono::steady_clock::time_point fetched_at, std::int64_t cloud_now_s,
      std::int64_t expires_at_s, std::chrono::seconds margin, double time_scale);

 private:
  base::Result<SnapshotPtr> fetch_locked();

  Fetcher fetch_;
  CredentialIdentity identity_;
  RefreshOptions options_;
  mutable std::mutex mu_;
  SnapshotPtr snapshot_;
  std::chrono::steady_clock::time_point refresh_at_{};
  std::chrono::steady_clock::time_point expires_at_local_{};
  std::uint64_t generation_ = 0;
  bool failed_ = false;
};

// The error code a Client returns when no valid credentials can be had (nothing was sent).
inline constexpr const char* kCredentialsUnavailable = "ClientError.CredentialsUnavailable";

// Codes with which the cloud refuses a request for its (temporary) credentials rather than its
// content: the request did nothing, and a fresh snapshot may make it pass.
bool is_token_rejection(std::string_view code);

}  // namespace tcplan::api
