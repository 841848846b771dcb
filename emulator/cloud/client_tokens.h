// ClientToken idempotency as the cloud documents it ("valid for 5 minutes, prevents the client
// from creating the resource twice"), filling the gaps the docs leave (docs/cloud-api.md,
// "ClientToken"):
// - same token, same action, same parameters (ClientToken itself excluded), within 5 minutes of
//   the first successful call: the first call's response again, and nothing new is created;
// - same token with another action or other parameters: InvalidParameter.InvalidClientToken;
// - a token that is not 1-64 printable ASCII characters: InvalidParameter.InvalidClientToken;
// - after 5 minutes of emulator time the token is forgotten and a call creates anew.
// Only successful calls are remembered: a failed call may be retried with the same token.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "emulator/cloud/context.h"

namespace tcplan::emulator::cloud {

inline constexpr std::int64_t kClientTokenTtlMs = 5 * 60 * 1000;

// SHA-256 of the parameters' canonical JSON (keys sorted, ClientToken removed).
std::string params_hash(const boost::json::object& params);

// Before a ClientToken action runs: the reply to send instead (a replay or an error), or
// nullopt to run the action.
std::optional<ApiReply> check_client_token(Context& ctx);

// After the action succeeded: remember its reply and count what it created.
void remember_client_token(Context& ctx, const ApiReply& reply, std::int64_t resources_created);

}  // namespace tcplan::emulator::cloud
