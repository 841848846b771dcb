#include "emulator/embedded.h"

#include "emulator/local_emulator.h"

namespace tcplan::emulator {

std::unique_ptr<Embedded> Embedded::start(const EmbeddedOptions& options) {
  LocalEmulatorOptions o;
  o.server.address = "127.0.0.1";
  o.server.port = 0;
  o.state_file = options.state_file;
  o.time_scale = options.time_scale;
  o.faults_file = options.faults_file;
  o.fixture_file = options.fixture_file;
  return std::unique_ptr<Embedded>(new Embedded(LocalEmulator::start(o)));
}

Embedded::Embedded(std::unique_ptr<LocalEmulator> emulator) : emulator_(std::move(emulator)) {}

Embedded::~Embedded() = default;

std::string Embedded::url() const {
  return emulator_->url();
}

}  // namespace tcplan::emulator
