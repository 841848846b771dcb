#include "executor/client_token.h"

#include "api/hash.h"

namespace tcplan::executor {

std::string derive_client_token(std::string_view run_id, std::string_view step_id,
                                std::size_t item) {
  std::string input = "tcplan-client-token/v1\n";
  input.append(run_id).append("\n").append(step_id).append("\n").append(std::to_string(item));
  std::string hex = api::sha256_hex(input).substr(0, 32);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

}  // namespace tcplan::executor
