// A whole local Tencent Cloud in one object: the model (make_cloud), the front with its keys,
// rate limits and faults, and the HTTP server. `tcplan emulator` runs one until a signal; the
// embedded emulator (embedded.h) runs one beside the audit DB. (cloud::Instance, by contrast,
// is one emulated CVM or ECM machine inside the model.)
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "emulator/cloud.h"
#include "emulator/server.h"

namespace tcplan::emulator {

struct LocalEmulatorOptions {
  ServerOptions server;
  std::filesystem::path state_file;  // empty: in memory
  double time_scale = 1.0;
  std::filesystem::path fixture_file;
  std::filesystem::path faults_file;
  std::filesystem::path credentials_file;  // more key pairs (docs/emulator.md)
  std::string secret_id;                   // empty: the local pair (local_credentials.h)
  std::string secret_key;
  bool rate_limits = true;
  // Seeds the faults and the model. Unset: the faults file's `seed`, else 1.
  std::optional<std::uint64_t> seed;
  // For /_emulator/* (FrontOptions::control_token). Empty: 128 random bits, in hex.
  std::string control_token;
};

class LocalEmulator {
 public:
  // Loads every file, builds the model and starts serving. Throws std::runtime_error on a
  // fatal set-up problem (unreadable or invalid file, address in use).
  static std::unique_ptr<LocalEmulator> start(const LocalEmulatorOptions& options);
  ~LocalEmulator();
  LocalEmulator(const LocalEmulator&) = delete;
  LocalEmulator& operator=(const LocalEmulator&) = delete;

  std::string url() const { return server_->url(); }
  std::uint16_t port() const { return server_->port(); }
  const std::string& control_token() const { return control_token_; }
  // Graceful: see Server::stop().
  void stop() { server_->stop(); }

 private:
  LocalEmulator() = default;
  std::unique_ptr<Cloud> cloud_;
  std::unique_ptr<Front> front_;
  std::unique_ptr<Server> server_;
  std::string control_token_;
};

}  // namespace tcplan::emulator
