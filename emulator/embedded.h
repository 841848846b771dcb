// The emulator started inside the tcplan process (the default `--target local`): a server on
// a free loopback port, with its state in a SQLite file beside the audit DB so that separate
// tcplan runs, and a resume after a crash, see one cloud.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

namespace tcplan::emulator {

class LocalEmulator;

struct EmbeddedOptions {
  std::filesystem::path state_file;    // empty: in memory
  double time_scale = 60.0;            // embedded runs are fast by default (docs/emulator.md)
  std::filesystem::path faults_file;   // optional
  std::filesystem::path fixture_file;  // optional
};

class Embedded {
 public:
  // Starts serving on 127.0.0.1 with an OS-chosen port; throws on fatal set-up problems.
  static std::unique_ptr<Embedded> start(const EmbeddedOptions& options);
  ~Embedded();
  Embedded(const Embedded&) = delete;
  Embedded& operator=(const Embedded&) = delete;

  // "http://127.0.0.1:PORT"
  std::string url() const;

 private:
  explicit Embedded(std::unique_ptr<LocalEmulator> emulator);
  std::unique_ptr<LocalEmulator> emulator_;
};

}  // namespace tcplan::emulator
