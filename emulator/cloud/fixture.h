// Seeding the cloud from a TOML fixture (--fixture FILE.toml): clusters with their nodes by
// type, and plain CVM/ECM instances. Entities whose id is already in the state are left alone,
// so reopening a state file with its fixture neither duplicates nor resurrects anything.
// The format is documented in docs/emulator-model.md; emulator/fixtures/ has examples.
#pragma once

#include <filesystem>

#include "emulator/cloud.h"
#include "emulator/cloud/state_store.h"

namespace tcplan::emulator::cloud {

// Throws std::runtime_error naming the file and the offending entry on a bad fixture.
void load_fixture(StateStore& db, const std::filesystem::path& file, const CloudOptions& options,
                  std::int64_t now_ms);

}  // namespace tcplan::emulator::cloud
