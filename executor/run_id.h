// Run ids: "run-<UTC yyyymmddThhmmssZ>-<24 hex digits>". The run id is the only per-run input
// to every ClientToken and to the tcplan:run tag, so two runs must never share one: 96 bits
// from the kernel's random source, and the trail refuses a duplicate before anything is sent
// (audit::EventStore::acquire_lease with LeaseMode::kNewRun).
#pragma once

#include <chrono>
#include <string>

namespace tcplan::executor {

std::string new_run_id(
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

}  // namespace tcplan::executor
