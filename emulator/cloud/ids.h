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
// "emr-" followed by exactly 8 of [a-z0-9].
bool well_formed_id(std::string_view id, std::string_view prefix);
// A deterministic value in [0, 1) from the seed and two numbers (fault probabilities).
double unit_hash(std::uint64_t seed, std::uint64_t a, std::uint64_t b);
std::uint64_t mix64(std::uint64_t x);

}  // namespace tcplan::emulator::cloud
