// The tcplan binary as the crash and takeover tests run it: the shipped command line
// (cli/app.h) plus test hooks read from the environment. Only tests build this; the shipped
// `tcplan` has no hooks, so no environment variable can make a production apply kill itself.
//  - TCPLAN_TEST_KILL_AFTER_EVENTS=N: SIGKILL this process right after the Nth event its
//    journal commits, exactly as an operator's `kill -9` would.
//  - TCPLAN_TEST_LEASE_STALE_MS=M: a lease whose heartbeat is older than M ms is dead, and
//    the owner beats every M/4 ms (production: 60 s and 5 s), for the SIGSTOP takeover test.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "cli/app.h"
#include "executor/journal.h"
#include "executor/lease.h"

namespace {

long g_kill_after = 0;

void kill_after(long appended) {
  if (appended == g_kill_after) ::kill(::getpid(), SIGKILL);
}

}  // namespace

int main(int argc, char** argv) {
  if (const char* n = std::getenv("TCPLAN_TEST_KILL_AFTER_EVENTS")) {
    g_kill_after = std::atol(n);
    // No group commit crosses event N: the kill finds exactly N events in the trail.
    if (g_kill_after > 0) tcplan::executor::set_journal_append_hook(kill_after, g_kill_after);
  }
  if (const char* ms = std::getenv("TCPLAN_TEST_LEASE_STALE_MS")) {
    const std::chrono::milliseconds stale{std::atol(ms)};
    if (stale.count() > 0)
      tcplan::executor::set_lease_timing(
          {std::max(stale / 4, std::chrono::milliseconds{1}), stale});
  }
  return tcplan::cli::run_main(argc, argv);
}
