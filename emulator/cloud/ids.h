// Resource identifiers shaped like the cloud's (emr-xxxxxxxx, emr-vm-xxxxxxxx, ins-xxxxxxxx,
// ein-xxxxxxxx: 8 lower-case letters and digits), derived from the seed and a counter kept in
// the state DB, so they are reproducible for a seed and unique across processes on one file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "emulator/cloud/state_store.h"

namespace tcplan::emulator::cloud {

std::string new_id(StateStore& db, std::string_view prefix, std::uint64_t seed);

// Kinds of the catalog's identifier formats (api/catalog.json "rules.id_formats"): the emulator
// refuses exactly the ids the planner refuses (docs/cloud-api.md, "Identifiers").
inline constexpr std::string_view kClusterId = "emr-cluster";  // emr-xxxxxxxx
inline constexpr std::string_view kNodeId = "emr-node";        // emr-vm-xxxxxxxx
inline constexpr std::string_view kCvmId = "cvm-instance";     // ins-xxxxxxxx
inline constexpr std::string_view kEcmId = "ecm-instance";     // ein-xxxxxxxx
bool well_formed_id(std::string_view id, std::string_view kind);
// The kind's pattern, for messages: "emr-[a-z0-9]{8}".
std::string id_pattern(std::string_view kind);
// A deterministic value in [0, 1) from the seed and two numbers (fault probabilities).
double unit_hash(std::uint64_t seed, std::uint64_t a, std::uint64_t b);
std::uint64_t mix64(std::uint64_t x);

}  // namespace tcplan::emulator::cloud
