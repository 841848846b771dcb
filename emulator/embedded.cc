#include "emulator/embedded.h"

#include "emulator/instance.h"

namespace tcplan::emulator {

namespace {

class EmbeddedEmulator : public Embedded {
 public:
  explicit EmbeddedEmulator(std::unique_ptr<Instance> instance) : instance_(std::move(instance)) {}
  std::string url() const override { return instance_->url(); }

 private:
  std::unique_ptr<Instance> instance_;
};

}  // namespace

std::unique_ptr<Embedded> Embedded::start(const EmbeddedOptions& options) {
  InstanceOptions o;
  o.server.address = "127.0.0.1";
  o.server.port = 0;
  o.state_file = options.state_file;
  o.time_scale = options.time_scale;
  o.faults_file = options.faults_file;
  o.fixture_file = options.fixture_file;
  return std::make_unique<EmbeddedEmulator>(Instance::start(o));
}

}  // namespace tcplan::emulator
