// The witness: how far the trail had got, kept outside the trail. Seals inside the DB prove
// what they sign, but whoever can write the DB can delete every event after an earlier seal
// and leave a trail that is intact and sealed. The sealer therefore also records the latest
// seal (its counter, seq and chain hash) somewhere else; `audit verify` with the witness then
// detects a trail cut back to any earlier point, and names what is missing.
//
// A witness never moves backwards: it accepts a new state only if it extends the stored one
// (advance_decision below). Where it lives is behind the Witness interface: a file beside the
// key by default (FileWitness, --audit-witness PATH); a team store can hold a second one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tcplan::audit {

inline constexpr std::string_view kWitnessFormat = "tcplan-audit-witness-v1";

// The trail right after a seal: the seal's counter, and the seal event's own seq and hash.
struct WitnessState {
  std::int64_t counter = 0;
  std::int64_t seq = 0;
  std::string hash;  // 64 lowercase hex: the chain hash of the `sealed` event at `seq`
  std::string run_id;
  std::string key_fingerprint;
  std::int64_t time_ms = 0;
};

std::string witness_json(const WitnessState& state);
base::Result<WitnessState> parse_witness(std::string_view text);

enum class AdvanceDecision {
  kWrite,   // the new state extends the stored one (or nothing is stored)
  kKeep,    // the stored state is already as far or further (another sealer got there first)
  kRefuse,  // the two disagree: same counter with another hash, or a higher counter at a
            // lower seq — one of them is not this trail's history
};
AdvanceDecision advance_decision(const std::optional<WitnessState>& stored,
                                 const WitnessState& next);

class Witness {
 public:
  virtual ~Witness() = default;
  // Where it is, for messages ("witness file /keys/audit.db.witness").
  virtual std::string describe() const = 0;
  // The stored state; nullopt when nothing was ever recorded.
  virtual base::Result<std::optional<WitnessState>> read() const = 0;
  // Records `next` when advance_decision says kWrite, atomically with respect to other
  // sealers; kKeep is success, kRefuse an error naming both states.
  virtual base::Status<base::Error> advance(const WitnessState& next) = 0;
};

// A JSON file written with base::write_file_atomically (mode 0600). advance() holds an
// exclusive flock on "<path>.lock" from read to rename, so two sealers cannot interleave.
class FileWitness : public Witness {
 public:
  explicit FileWitness(std::filesystem::path path) : path_(std::move(path)) {}
  std::string describe() const override { return "witness file " + path_.string(); }
  base::Result<std::optional<WitnessState>> read() const override;
  base::Status<base::Error> advance(const WitnessState& next) override;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::shared_ptr<Witness> file_witness(const std::filesystem::path& path);

// Beside the key, named after the trail: "<key dir>/<db file name>.witness". With the
// default key (<db>.key) that is "<db>.witness" next to the DB; for a team store it is
// "<key dir>/<db>@<host>.witness" (location.h names it).
std::filesystem::path default_witness_path(const std::string& location,
                                           const std::filesystem::path& key_path);

}  // namespace tcplan::audit
