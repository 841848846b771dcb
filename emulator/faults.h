// Fault injection from a TOML file (docs/emulator.md "Faults file"): per action or "*", on the
// Nth matching call or with a probability, answer with an error code, an HTTP 5xx, extra
// latency, a connection reset, or commit-then-drop (the call takes effect, its response never
// arrives). Flow outcomes (-1, -3, 3) are parsed here and applied by the model.
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "emulator/cloud.h"

namespace tcplan::emulator {

enum class FaultKind { kError, kHttpStatus, kLatency, kReset, kCommitThenDrop };

struct FaultRule {
  std::string action = "*";  // an action name or "*"
  std::string service;       // "emr", "cvm", "ecm"; empty: any
  FaultKind kind = FaultKind::kError;
  std::int64_t nth = 0;         // 1-based: only the Nth matching call; 0: use probability
  double probability = 1.0;     // when nth is 0
  std::string code;             // kError
  std::string message;          // kError; empty: the documented message
  int http_status = 0;          // kHttpStatus
  std::int64_t latency_ms = 0;  // kLatency
  int line = 0;                 // where the rule is in the file, for messages
};

struct FaultPlan {
  std::vector<FaultRule> rules;
  std::vector<FlowFault> flows;
  std::optional<std::uint64_t> seed;
};

base::Result<FaultPlan> parse_faults(std::string_view toml_text, const std::string& source_name);
base::Result<FaultPlan> load_faults(const std::filesystem::path& file);

// What the faults say about one call.
struct FaultDecision {
  std::int64_t latency_ms = 0;         // summed over the latency rules that fired
  const FaultRule* outcome = nullptr;  // the first non-latency rule that fired, if any
};

// Decides, call by call, which rules fire. Every rule sees every matching call in arrival
// order (its Nth-call counter moves, its probability draws from the one seeded generator), so
// a given seed and call order always give the same faults. Thread-safe.
class FaultInjector {
 public:
  FaultInjector(std::vector<FaultRule> rules, std::uint64_t seed);
  FaultDecision next(std::string_view service, std::string_view action);
  bool empty() const { return rules_.empty(); }

 private:
  std::vector<FaultRule> rules_;
  std::vector<std::int64_t> seen_;
  std::mt19937_64 rng_;
  std::mutex mu_;
};

}  // namespace tcplan::emulator
