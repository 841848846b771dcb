#include "api/credential_source.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

#include "base/redact.h"

namespace tcplan::api {
namespace {

class StaticSource : public CredentialSource {
 public:
  StaticSource(Credentials credentials, CredentialIdentity identity)
      : identity_(std::move(identity)) {
    // Registered before anything is signed: no log line, trail row or message can carry them.
    base::process_redactor().add_secret(credentials.secret_key);
    base::process_redactor().add_secret(credentials.token);
    auto s = std::make_shared<CredentialSnapshot>();
    s->credentials = std::move(credentials);
    s->generation = 1;
    snapshot_ = std::move(s);
  }
  base::Result<SnapshotPtr> current() override { return snapshot_; }
  base::Result<SnapshotPtr> refresh_after_rejection(const SnapshotPtr&) override {
    return snapshot_;
  }
  CredentialIdentity identity() const override { return identity_; }

 private:
  CredentialIdentity identity_;
  SnapshotPtr snapshot_;
};

std::chrono::steady_clock::time_point system_steady_now() {
  return std::chrono::steady_clock::now();
}

}  // namespace

std::shared_ptr<CredentialSource> make_static_source(Credentials credentials,
                                                     CredentialIdentity identity) {
  return std::make_shared<StaticSource>(std::move(credentials), std::move(identity));
}

bool is_token_rejection(std::string_view code) {
  return code == "AuthFailure.TokenFailure" || code == "AuthFailure.SecretIdNotFound";
}

RefreshingSource::RefreshingSource(Fetcher fetch, CredentialIdentity identity,
                                   RefreshOptions options)
    : fetch_(std::move(fetch)), identity_(std::move(identity)), options_(std::move(options)) {
  if (!options_.steady_now) options_.steady_now = system_steady_now;
  if (!(options_.time_scale > 0)) options_.time_scale = 1.0;
}

std::chrono::steady_clock::time_point RefreshingSource::refresh_at(
    std::chrono::steady_clock::time_point fetched_at, std::int64_t cloud_now_s,
    std::int64_t expires_at_s, std::chrono::seconds margin, double time_scale) {
  // Seconds of cloud time left before the margin begins; none left means "refresh now".
  const double left_s = std::max<double>(
      0.0, static_cast<double>(expires_at_s - cloud_now_s) - static_cast<double>(margin.count()));
  const auto ours = std::chrono::duration<double>(left_s / time_scale);
  return fetched_at + std::chrono::duration_cast<std::chrono::steady_clock::duration>(ours);
}

std::uint64_t RefreshingSource::refreshes() const {
  std::lock_guard lock(mu_);
  return generation_;
}

void RefreshingSource::set_on_failure(std::function<void(const std::string& why)> f) {
  std::lock_guard lock(mu_);
  options_.on_failure = std::move(f);
}

base::Result<SnapshotPtr> RefreshingSource::fetch_locked() {
  const auto started = options_.steady_now();
  auto fetched = fetch_();
  if (!fetched) {
    const std::string why = identity_.provider + ": cannot refresh credentials: " +
                            base::process_redactor().redact_text(fetched.error().message);
    // A snapshot that has not expired yet still signs: only the fetch failed, and the
    // caller has been told to stop starting new work.
    const bool first_failure = !failed_;
    failed_ = true;
    if (first_failure && options_.on_failure) options_.on_failure(why);
    if (snapshot_ && options_.steady_now() < expires_at_local_) {
      spdlog::warn("{}; the current credentials stay valid for in-flight work", why);
      return snapshot_;
    }
    return base::Error{why};
  }
  // Registered before anything can log or record them.
  base::process_redactor().add_secret(fetched->credentials.secret_key);
  base::process_redactor().add_secret(fetched->credentials.token);
  protect_secrets_in_memory();
  auto s = std::make_shared<CredentialSnapshot>();
  s->credentials = std::move(fetched->credentials);
  s->expires_at_s = fetched->expires_at_s;
  s->generation = ++generation_;
  refresh_at_ = refresh_at(started, fetched->cloud_now_s, fetched->expires_at_s, options_.margin,
                           options_.time_scale);
  expires_at_local_ = refresh_at(started, fetched->cloud_now_s, fetched->expires_at_s,
                                 std::chrono::seconds{0}, options_.time_scale);
  spdlog::debug(
      "credentials: {} issued temporary credentials #{} (role {}{}), expiring at {} "
      "(cloud time), refreshed {} s before",
      identity_.provider, s->generation, identity_.role.empty() ? "-" : identity_.role,
      identity_.session_name.empty() ? "" : ", session " + identity_.session_name,
      fetched->expires_at_s, options_.margin.count());
  snapshot_ = std::move(s);
  return snapshot_;
}

base::Result<SnapshotPtr> RefreshingSource::current() {
  std::lock_guard lock(mu_);
  // After a failed refresh nothing new is fetched: the run is stopping, and hammering a
  // failing STS would not help it.
  if (snapshot_ && (options_.steady_now() < refresh_at_ || failed_)) {
    if (options_.steady_now() < expires_at_local_) return snapshot_;
    if (failed_)
      return base::Error{identity_.provider + ": credentials expired after a failed refresh"};
  }
  return fetch_locked();
}

base::Result<SnapshotPtr> RefreshingSource::refresh_after_rejection(const SnapshotPtr& used) {
  std::lock_guard lock(mu_);
  // Another thread refreshed after `used` was handed out: that one is the answer.
  if (snapshot_ && used && snapshot_->generation != used->generation) return snapshot_;
  if (failed_)
    return base::Error{identity_.provider + ": credentials refused after a failed refresh"};
  // The cloud says these are no good, whatever our clock thinks.
  expires_at_local_ = options_.steady_now();
  return fetch_locked();
}

}  // namespace tcplan::api
