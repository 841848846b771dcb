// What every whole-program benchmark needs from the machine it runs on: the load average it
// prints beside its figures (the VM is shared), and a scratch directory for its files.
#pragma once

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace tcplan::bench {

// "1.00 0.80 0.50", or "unknown".
inline std::string load_average() {
  double l[3] = {0, 0, 0};
  if (::getloadavg(l, 3) != 3) return "unknown";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f %.2f %.2f", l[0], l[1], l[2]);
  return buf;
}

// A new directory /tmp/<prefix>-XXXXXX. `for_test_server`: other users may pass through it,
// since as root the test PostgreSQL server runs as `nobody` and keeps its files in there.
inline std::filesystem::path scratch_dir(const std::string& prefix, bool for_test_server) {
  std::string path = "/tmp/" + prefix + "-XXXXXX";
  if (::mkdtemp(path.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  namespace fs = std::filesystem;
  if (for_test_server)
    fs::permissions(path, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  return path;
}

}  // namespace tcplan::bench
