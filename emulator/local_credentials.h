// The fixed key pair of the local emulator. `--target local` signs with it, and a standalone
// `tcplan emulator` accepts it unless told otherwise. It guards nothing: it exists so that
// local requests are signed and verified exactly like real ones.
#pragma once

namespace tcplan::emulator {

inline constexpr const char* kLocalSecretId = "AKIDtcplanLocalEmulator00000000000000";
inline constexpr const char* kLocalSecretKey = "tcplanLocalEmulatorSecretKey0000";

}  // namespace tcplan::emulator
