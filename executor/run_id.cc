#include "executor/run_id.h"

#include <sys/random.h>

#include <cerrno>
#include <stdexcept>

#include "base/hex.h"
#include "base/time.h"

namespace tcplan::executor {

std::string new_run_id(std::chrono::system_clock::time_point now) {
  unsigned char bytes[12];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error("getrandom failed: no randomness for a run id");
    got += static_cast<std::size_t>(n);
  }
  return "run-" + base::format_utc_compact(now) + "-" +
         base::to_hex(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

}  // namespace tcplan::executor
