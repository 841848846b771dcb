// Turns the global options (--target, --endpoint, --region, --profile, --audit-db) into what an
// api::Client needs: an endpoint, a region and credentials — starting the embedded emulator
// for `--target local`. Shared by every subcommand that talks to a cloud.
#pragma once

#include <boost/json/object.hpp>
#include <memory>
#include <string>

#include "api/client.h"
#include "api/credential_source.h"
#include "api/credentials.h"
#include "base/result.h"
#include "cli/command.h"
#include "emulator/embedded.h"

namespace tcplan::cli {

struct ResolvedTarget {
  // Every Client of the command signs with snapshots from this one source
  // (api/credential_source.h).
  std::shared_ptr<api::CredentialSource> credentials;
  api::ClientOptions options;
  // Set for --target local without --endpoint; must outlive every client made from this.
  std::unique_ptr<emulator::Embedded> embedded;
  std::string description;  // "embedded emulator at http://127.0.0.1:PORT", for logs
  // How much faster than real time the target's flows run: the embedded emulator's scale, or
  // --time-scale for an endpoint (a standalone emulator started with the same value); 1 for
  // the real cloud. The executor divides its poll intervals, backoffs and timeouts by it.
  double time_scale = 1.0;
};

// Which target a command that runs a plan uses: the --target flag, else the plan's `target`,
// else local. `source` says which, for the preview ("--target", "the plan's target",
// "the default").
struct TargetChoice {
  std::string target;  // "local" | "cloud"
  std::string source;
};
TargetChoice choose_target(const std::string& flag, const std::string& plan_target);

struct TargetError {
  std::string message;
  int exit_code = kExitUsage;  // kExitUsage for credentials/flags, kExitFailed for a failed start
};

// The run_started event's "credentials" object: provider, role, session, where; no secret.
boost::json::object credentials_json(const api::CredentialSource& source);
// Whose rate budget a run spends on a team store (executor/rate_budget.h): the long-term
// SecretId, else the assumed role (its temporary keys change at each refresh, its limits do
// not), else the SecretId of the keys in use.
std::string rate_budget_identity(api::CredentialSource& source);

// Which of the three cases applies:
//  - --endpoint URL: that server, credentials from the chain (api::resolve_credential_source;
//    the CVM role only when TENCENTCLOUD_METADATA_URL is set); with --target local and no
//    credentials anywhere, the emulator's fixed local pair;
//  - --target cloud: https://<service>.tencentcloudapi.com, credentials from the chain;
//  - --target local (or none: the default): the embedded emulator, state in
//    <audit-db>.emulator.db,
//    signed with the fixed local pair (real keys are never sent to it).
// The region is --region, else TENCENTCLOUD_REGION or the credential source's region; the
// local emulator defaults to ap-guangzhou, a real cloud requires one.
base::Result<ResolvedTarget, TargetError> resolve_target(
    const GlobalOptions& global,
    const api::CredentialEnvironment& env = api::CredentialEnvironment::process());

}  // namespace tcplan::cli
