// ClientToken derivation: one token per mutating step (per item for for_each), computed from
// the run id and step id so that every retry, and a resume in another process, sends the same
// token without having to find it first. The token is also recorded in the audit trail before
// the first send.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tcplan::executor {

// UUID-shaped (8-4-4-4-12 lowercase hex, 36 ASCII chars: within CVM's 64-char limit) from
// SHA-256("tcplan-client-token/v1\n" run_id "\n" step_id "\n" item).
std::string derive_client_token(std::string_view run_id, std::string_view step_id,
                                std::size_t item);

}  // namespace tcplan::executor
