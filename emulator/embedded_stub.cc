// Placeholder until the emulator server lands: replaced by emulator/embedded.cc.
#include <stdexcept>

#include "emulator/embedded.h"

namespace tcplan::emulator {

std::unique_ptr<Embedded> Embedded::start(const EmbeddedOptions&) {
  throw std::runtime_error("the embedded emulator is not built yet; use --endpoint URL");
}

}  // namespace tcplan::emulator
