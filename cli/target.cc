#include "cli/target.h"

#include <spdlog/spdlog.h>

#include <exception>

#include "api/credential_chain.h"
#include "audit/location.h"
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

std::shared_ptr<api::CredentialSource> local_source() {
  api::Credentials c = local_credentials();
  api::CredentialIdentity id;
  id.provider = "local";
  id.where = c.source;
  id.secret_id = c.secret_id;
  return api::make_static_source(std::move(c), std::move(id));
}

// The region a source names (a static profile's region), for the default below.
std::string source_region(const api::CredentialSource& source) {
  auto s = const_cast<api::CredentialSource&>(source).current();
  return s ? (*s)->credentials.region : std::string();
}

}  // namespace

TargetChoice choose_target(const std::string& flag, const std::string& plan_target) {
  if (!flag.empty()) return {flag, "--target"};
  if (!plan_target.empty()) return {plan_target, "the plan's target"};
  return {"local", "the default"};
}

boost::json::object credentials_json(const api::CredentialSource& source) {
  const api::CredentialIdentity id = source.identity();
  boost::json::object o{{"provider", id.provider}, {"where", id.where}};
  if (!id.role.empty()) o["role"] = id.role;
  if (!id.session_name.empty()) o["session_name"] = id.session_name;
  if (!id.secret_id.empty()) o["secret_id"] = id.secret_id;
  return o;
}

std::string rate_budget_identity(api::CredentialSource& source) {
  const api::CredentialIdentity id = source.identity();
  if (!id.secret_id.empty()) return id.secret_id;
  if (!id.role.empty()) return "role:" + id.role;
  auto snapshot = source.current();
  return snapshot ? (*snapshot)->credentials.secret_id : std::string();
}

base::Result<ResolvedTarget, TargetError> resolve_target(const GlobalOptions& global,
                                                         const api::CredentialEnvironment& env) {
  ResolvedTarget t;
  bool local = global.target != "cloud";

  auto chain = [&](bool cvm_role) -> base::Result<std::shared_ptr<api::CredentialSource>> {
    api::ChainOptions o;
    o.profile = global.profile;
    o.assume.role_arn = global.role_arn;
    o.assume.session_name = global.role_session_name;
    o.assume.external_id = global.external_id;
    if (global.role_duration_s > 0) o.assume.duration_s = global.role_duration_s;
    o.cvm_role = cvm_role;
    o.sts.endpoint = global.endpoint;
    o.sts.region =
        !global.region.empty() ? global.region : env.getenv("TENCENTCLOUD_REGION").value_or("");
    o.refresh.time_scale = global.time_scale > 0 ? global.time_scale : 1.0;
    return api::resolve_credential_source(o, env);
  };

  if (!global.endpoint.empty()) {
    // An endpoint is an emulator or a private gateway: the metadata service only when named.
    const bool metadata_named = env.getenv(api::kEnvMetadataUrl).has_value();
    auto found = chain(metadata_named);
    if (!found) return TargetError{found.error().message, kExitUsage};
    if (*found) {
      t.credentials = std::move(*found);
    } else if (local) {
      // A standalone `tcplan emulator` accepts the local pair: nothing to configure.
      t.credentials = local_source();
    } else {
      auto why = api::load_credentials(global.profile, env);  // for its message
      return TargetError{why ? std::string("no credentials") : why.error().message, kExitUsage};
    }
    t.options.endpoint = global.endpoint;
    t.description = "endpoint " + global.endpoint;
  } else if (!local) {
    auto found = chain(true);
    if (!found) return TargetError{found.error().message, kExitUsage};
    if (!*found) return TargetError{"no credentials", kExitUsage};
    t.credentials = std::move(*found);
    t.description = "Tencent Cloud";
  } else {
    emulator::EmbeddedOptions options;
    // Beside a SQLite trail; for a team store, with the operator's other files of it.
    options.state_file = audit::side_file(global.audit_db, ".emulator.db");
    if (auto dir = audit::make_side_file_dir(global.audit_db); !dir) {
      return TargetError{"cannot start the local emulator: " + dir.error().message, kExitFailed};
    }
    if (global.time_scale > 0) options.time_scale = global.time_scale;
    options.fixture_file = global.emulator_fixture;
    options.faults_file = global.emulator_faults;
    try {
      t.embedded = emulator::Embedded::start(options);
    } catch (const std::exception& e) {
      return TargetError{std::string("cannot start the local emulator: ") + e.what(), kExitFailed};
    }
    t.options.endpoint = t.embedded->url();
    t.credentials = local_source();
    t.description = "embedded emulator at " + t.options.endpoint;
    t.time_scale = options.time_scale;
  }
  if (!t.embedded && global.time_scale > 0) t.time_scale = global.time_scale;

  t.options.region = !global.region.empty() ? global.region : source_region(*t.credentials);
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
  const api::CredentialIdentity id = t.credentials->identity();
  spdlog::debug("target: {}, region {}, credentials: provider {} ({}){}{}", t.description,
                t.options.region, id.provider, id.where, id.role.empty() ? "" : ", role " + id.role,
                id.session_name.empty() ? "" : ", session " + id.session_name);
  return t;
}

}  // namespace tcplan::cli
