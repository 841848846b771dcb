#include "api/credential_chain.h"

#include <spdlog/spdlog.h>

namespace tcplan::api {
namespace {

using SourcePtr = std::shared_ptr<CredentialSource>;

base::Result<SourcePtr> cvm_role_source(const ChainOptions& options,
                                        const CredentialEnvironment& env) {
  CvmRoleOptions cvm;
  if (auto url = env.getenv(kEnvMetadataUrl); url && !url->empty()) cvm.base_url = *url;
  auto role = std::make_shared<std::string>();
  CredentialIdentity id;
  id.provider = "cvm-role";
  id.where = cvm.base_url;
  Fetcher fetch = cvm_role_fetcher(cvm, role);
  // The first fetch names the role: the identity is known before the source is built.
  auto first = fetch();
  if (!first) return base::Error{"CVM role: " + first.error().message};
  id.role = *role;
  bool used_first = false;
  auto primed = [fetch, first = std::make_shared<base::Result<Fetched>>(std::move(first)),
                 used_first]() mutable -> base::Result<Fetched> {
    if (!used_first) {
      used_first = true;
      return std::move(*first);
    }
    return fetch();
  };
  auto source = std::make_shared<RefreshingSource>(std::move(primed), id, options.refresh);
  auto ready = source->current();
  if (!ready) return ready.error();
  return SourcePtr(source);
}

}  // namespace

CredentialIdentity static_identity(const Credentials& c) {
  CredentialIdentity id;
  id.where = c.source;
  id.secret_id = c.secret_id;
  if (c.source == "environment")
    id.provider = "environment";
  else if (c.source.find(".tccli") != std::string::npos)
    id.provider = "tccli";
  else
    id.provider = "profile";
  return id;
}

base::Result<SourcePtr> resolve_credential_source(const ChainOptions& options,
                                                  const CredentialEnvironment& env) {
  AssumeRoleOptions assume = options.assume;
  std::string source_profile = options.profile;
  std::string role_where = "--role-arn";
  if (assume.role_arn.empty()) {
    auto role = find_role_profile(options.profile, env);
    if (!role) return role.error();
    if (role->has_value()) {
      const RoleProfile& r = **role;
      assume.role_arn = r.role_arn;
      if (assume.session_name.empty()) assume.session_name = r.session_name;
      if (assume.external_id.empty()) assume.external_id = r.external_id;
      if (r.duration_s != 0) assume.duration_s = r.duration_s;
      if (!r.source_profile.empty()) source_profile = r.source_profile;
      role_where = r.where;
    }
  }

  // The source identity: the static chain, then the instance role.
  SourcePtr base_source;
  auto found = find_credentials(source_profile, env);
  if (!found) return found.error();
  if (found->has_value()) {
    CredentialIdentity id = static_identity(**found);
    base_source = make_static_source(std::move(**found), std::move(id));
  } else if (options.cvm_role) {
    auto cvm = cvm_role_source(options, env);
    if (!cvm) {
      // With no role to assume and no keys anywhere, say what was tried.
      auto why = load_credentials(source_profile, env);
      return base::Error{(why ? std::string("no credentials") : why.error().message) + "; " +
                         cvm.error().message};
    }
    base_source = std::move(*cvm);
  }
  if (assume.role_arn.empty()) return base_source;  // may be null: nothing found
  if (!base_source) {
    auto why = load_credentials(source_profile, env);
    return base::Error{"cannot assume " + assume.role_arn + " (" + role_where +
                       "): no credentials to call STS with: " +
                       (why ? std::string("none found") : why.error().message)};
  }
  if (assume.session_name.empty()) assume.session_name = default_session_name();
  if (assume.region.empty()) assume.region = options.sts.region;
  if (assume.region.empty()) assume.region = "ap-guangzhou";
  if (auto bad = check_assume_role(assume); !bad)
    return base::Error{role_where + ": " + bad.error().message};

  CredentialIdentity id;
  id.provider = "assume-role";
  id.where = role_where + " via " + base_source->identity().provider;
  id.role = assume.role_arn;
  id.session_name = assume.session_name;
  auto sts = std::make_shared<Client>(base_source, options.sts);
  auto source = std::make_shared<RefreshingSource>(assume_role_fetcher(sts, assume), std::move(id),
                                                   options.refresh);
  auto ready = source->current();
  if (!ready) return ready.error();
  return SourcePtr(source);
}

}  // namespace tcplan::api
