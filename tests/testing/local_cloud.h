// End-to-end test bed: the real emulator (model, front, HTTP server) serving on a free loopback
// port inside the test process, its state read back over HTTP, and `tcplan` runs pointed at it
// with --endpoint, so every request crosses a real socket.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/testing/process.h"

namespace tcplan::emulator {
class LocalEmulator;
}

namespace tcplan::testing {

struct LocalCloudOptions {
  std::filesystem::path fixture{};     // TOML fixture (docs/emulator-model.md), optional
  std::filesystem::path faults{};      // TOML faults file (docs/emulator.md), optional
  std::filesystem::path state_file{};  // empty: in memory
  double time_scale = 1000;            // flows of minutes finish in well under a second
  bool rate_limits = true;
  std::uint64_t seed = 1;
};

class LocalCloud {
 public:
  explicit LocalCloud(LocalCloudOptions options);
  ~LocalCloud();
  LocalCloud(const LocalCloud&) = delete;
  LocalCloud& operator=(const LocalCloud&) = delete;

  const std::string& url() const { return url_; }
  double time_scale() const { return options_.time_scale; }

  // GET /_emulator/state: clusters, nodes, flows, instances, client_tokens.
  boost::json::value state() const;
  // POST /_emulator/advance?ms=N: moves the emulator's clock (flows progress) without waiting.
  void advance_ms(std::int64_t ms) const;
  // POST /_emulator/<path_and_query>, e.g. "sts?outage=1" (docs/emulator.md); the answer.
  boost::json::value control(const std::string& path_and_query) const;

  // Stops serving and starts again on the same state file (a restart that keeps state).
  void restart();

 private:
  LocalCloudOptions options_;
  std::unique_ptr<emulator::LocalEmulator> emulator_;
  std::string url_;
};

// `tcplan --endpoint <cloud> --time-scale <scale> --audit-db <db> ARGS...`, with the local key
// pair (no credentials needed) and the region the fixtures use.
ProcessResult run_tcplan_against(const LocalCloud& cloud, const std::filesystem::path& audit_db,
                                 const std::vector<std::string>& args,
                                 const RunOptions& options = {});

// Counts of what the state holds, for "exactly one resource per ClientToken" checks.
struct StateCounts {
  std::size_t clusters = 0;   // not terminated
  std::size_t nodes = 0;      // over all live clusters
  std::size_t instances = 0;  // CVM + ECM, not terminated
  // Clusters per create ClientToken. Scale-out tokens count nodes (emulator-model.md), so
  // they are left out: compare their ResourcesCreated with the nodes the step asked for.
  std::size_t max_resources_per_token = 0;
};
StateCounts count_state(const boost::json::value& state);

}  // namespace tcplan::testing
