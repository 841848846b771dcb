#include "emulator/local_emulator.h"

#include <openssl/rand.h>

#include <stdexcept>

#include "base/hex.h"
#include "emulator/faults.h"
#include "emulator/front.h"
#include "emulator/key_store.h"
#include "emulator/local_credentials.h"

namespace tcplan::emulator {

std::unique_ptr<LocalEmulator> LocalEmulator::start(const LocalEmulatorOptions& options) {
  FrontOptions front;
  if (options.secret_id.empty() != options.secret_key.empty())
    throw std::runtime_error("--secret-id and --secret-key go together");
  if (options.secret_id.empty()) {
    front.keys.add(KeyPair{kLocalSecretId, kLocalSecretKey, ""});
  } else {
    front.keys.add(KeyPair{options.secret_id, options.secret_key, ""});
  }
  if (!options.credentials_file.empty()) {
    auto loaded = KeyStore::load(options.credentials_file);
    if (!loaded.ok()) throw std::runtime_error(loaded.error().message);
    // The explicit pair stays; the file adds to it.
    KeyStore merged = std::move(loaded).value();
    merged.add(*front.keys.find(options.secret_id.empty() ? kLocalSecretId : options.secret_id));
    front.keys = std::move(merged);
  }

  CloudOptions cloud;
  cloud.state_file = options.state_file;
  cloud.time_scale = options.time_scale;
  cloud.fixture_file = options.fixture_file;
  std::uint64_t seed = options.seed.value_or(1);
  if (!options.faults_file.empty()) {
    auto plan = load_faults(options.faults_file);
    if (!plan.ok()) throw std::runtime_error(plan.error().message);
    if (!options.seed && plan->seed) seed = *plan->seed;
    front.faults = std::move(plan->rules);
    cloud.flow_faults = std::move(plan->flows);
  }
  if (!(options.time_scale > 0)) throw std::runtime_error("--time-scale must be > 0");
  cloud.seed = seed;
  front.seed = seed;
  front.rate_limits = options.rate_limits;
  front.control_token = options.control_token;
  if (front.control_token.empty()) {
    unsigned char bytes[16];
    if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no random bytes");
    front.control_token =
        base::to_hex(std::string_view(reinterpret_cast<char*>(bytes), sizeof bytes));
  }

  std::unique_ptr<LocalEmulator> emulator(new LocalEmulator());
  emulator->control_token_ = front.control_token;
  emulator->cloud_ = make_cloud(cloud);
  emulator->front_ = std::make_unique<Front>(*emulator->cloud_, std::move(front));
  emulator->server_ = std::make_unique<Server>(*emulator->front_, options.server);
  emulator->server_->start();
  return emulator;
}

LocalEmulator::~LocalEmulator() {
  // The server goes first: its connections use the front, which uses the model.
  if (server_) server_->stop();
  server_.reset();
}

}  // namespace tcplan::emulator
