// The Cloud behind the emulator's HTTP front: dispatches each verified call to its action in
// one SQLite transaction, after settling the flows whose time has come, and keeps the clock.
//
// Clock: now = epoch_virtual + (wall - epoch_wall) x time_scale + advance, with all four values
// in the state DB, so every process on one state file reads the same emulator time. A process
// that opens the file with another time scale rebases the epoch to the current emulator time.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <mutex>

#include "emulator/cloud.h"
#include "emulator/cloud/state_store.h"

namespace tcplan::emulator::cloud {

class CloudImpl : public Cloud {
 public:
  explicit CloudImpl(const CloudOptions& options);  // throws on fatal set-up problems

  ApiReply handle(const ApiCall& call) override;
  boost::json::value state_json(std::int64_t now_ms) override;
  std::int64_t now_ms() override;
  void advance_clock(std::int64_t ms) override;

 private:
  std::int64_t clock_now();  // REQUIRES: mu_ held
  void init_clock();         // REQUIRES: inside a transaction

  CloudOptions options_;
  std::mutex mu_;
  StateStore db_;
};

}  // namespace tcplan::emulator::cloud
