#include "cli/target.h"

#include <spdlog/spdlog.h>

#include <exception>

#include "emulator/local_credentials.h"

namespace tcplan::cli {
namespace {

constexpr const char* kLocalDefaultRegion = "ap-guangzhou";

api::Credentials local_credentials() {
  api::Credentials c;
  c.secret_id = emulator::kLocalSecretId;
  c.secret_key = emulator::kLocalSecretKey;
  c.source = "the local emulator's fixed key pair";
  return c;
}

}  // namespace

TargetChoice choose_target(const std::string& flag, const std::string& plan_target) {
  if (!flag.empty()) return {flag, "--target"};
  if (!plan_target.empty()) return {plan_target, "the plan's target"};
  return {"local", "the default"};
}

base::Result<ResolvedTarget, TargetError> resolve_target(const GlobalOptions& global,
                                                         const api::CredentialEnvironment& env) {
  ResolvedTarget t;
  bool local = global.target != "cloud";

  if (!global.endpoint.empty()) {
    auto found = api::find_credentials(global.profile, env);
    if (!found) return TargetError{found.error().message, kExitUsage};
    if (found->has_value()) {
      t.credentials = std::move(**found);
    } else if (local) {
      // A standalone `tcplan emulator` accepts the local pair: nothing to configure.
      t.credentials = local_credentials();
    } else {
      auto why = api::load_credentials(global.profile, env);  // for its message
      return TargetError{why ? std::string("no credentials") : why.error().message, kExitUsage};
    }
    t.options.endpoint = global.endpoint;
    t.description = "endpoint " + global.endpoint;
  } else if (!local) {
    auto creds = api::load_credentials(global.profile, env);
    if (!creds) return TargetError{creds.error().message, kExitUsage};
    t.credentials = std::move(*creds);
    t.description = "Tencent Cloud";
  } else {
    emulator::EmbeddedOptions options;
    options.state_file = global.audit_db + ".emulator.db";
    if (global.time_scale > 0) options.time_scale = global.time_scale;
    options.fixture_file = global.emulator_fixture;
    options.faults_file = global.emulator_faults;
    try {
      t.embedded = emulator::Embedded::start(options);
    } catch (const std::exception& e) {
      return TargetError{std::string("cannot start the local emulator: ") + e.what(), kExitFailed};
    }
    t.options.endpoint = t.embedded->url();
    t.credentials = local_credentials();
    t.description = "embedded emulator at " + t.options.endpoint;
    t.time_scale = options.time_scale;
  }
  if (!t.embedded && global.time_scale > 0) t.time_scale = global.time_scale;

  t.options.region = !global.region.empty() ? global.region : t.credentials.region;
  if (t.options.region.empty()) {
    if (local) {
      t.options.region = kLocalDefaultRegion;
    } else {
      return TargetError{
          "no region: pass --region, set TENCENTCLOUD_REGION, or name one in the credentials "
          "profile",
          kExitUsage};
    }
  }
  spdlog::debug("target: {}, region {}, credentials from {}", t.description, t.options.region,
                t.credentials.source);
  return t;
}

}  // namespace tcplan::cli
