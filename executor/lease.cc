#include "executor/lease.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

namespace tcplan::executor {

namespace {

std::mutex g_timing_mu;
LeaseTiming g_timing;

std::string boot_id() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id.empty() ? "unknown-boot" : id;
}

// Fields 3 (state) and 22 (start time, clock ticks since boot) of /proc/<pid>/stat. The
// command name (field 2) is in parentheses and may hold spaces: read after the last ')'.
bool read_stat(std::int64_t pid, char& state, std::string& start_ticks) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return false;
  auto close = line.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(line.substr(close + 1));
  std::string field;
  for (int n = 3; rest >> field; ++n) {
    if (n == 3) state = field.empty() ? '?' : field[0];
    if (n == 22) {
      start_ticks = field;
      return true;
    }
  }
  return false;
}

}  // namespace

LeaseTiming lease_timing() {
  std::lock_guard lock(g_timing_mu);
  return g_timing;
}

void set_lease_timing(LeaseTiming timing) {
  std::lock_guard lock(g_timing_mu);
  g_timing = timing;
}

audit::LeaseOwner this_process() {
  audit::LeaseOwner me;
  me.host = audit::current_host();
  me.pid = static_cast<std::int64_t>(::getpid());
  char state = '?';
  std::string ticks;
  me.started = boot_id() + "/" + (read_stat(me.pid, state, ticks) ? ticks : "unknown");
  return me;
}

ProcessProbe probe_process(std::int64_t pid) {
  if (pid <= 0) return {ProcessProbe::State::kGone, {}};
  char state = '?';
  std::string ticks;
  if (!read_stat(pid, state, ticks)) {
    // No /proc entry: gone, unless /proc itself is not there to ask.
    std::ifstream self("/proc/self/stat");
    return {self ? ProcessProbe::State::kGone : ProcessProbe::State::kUnknown, {}};
  }
  // A zombie has exited; only its parent has not collected it yet.
  if (state == 'Z' || state == 'X') return {ProcessProbe::State::kGone, {}};
  return {ProcessProbe::State::kAlive, boot_id() + "/" + ticks};
}

std::optional<std::string> owner_dead(const audit::Lease& holder, const std::string& this_host,
                                      std::int64_t now_ms, std::chrono::milliseconds stale_after,
                                      const std::function<ProcessProbe(std::int64_t)>& probe) {
  const std::string who =
      "pid " + std::to_string(holder.owner.pid) + " on host " + holder.owner.host;
  if (holder.owner.host == this_host) {
    ProcessProbe p = probe(holder.owner.pid);
    if (p.state == ProcessProbe::State::kGone) return who + " has exited";
    if (p.state == ProcessProbe::State::kAlive && p.started != holder.owner.started) {
      return who + " has exited (the pid now belongs to another process)";
    }
  }
  const std::int64_t age = now_ms - holder.heartbeat_ms;
  if (age > stale_after.count()) {
    return who + " has not renewed the lease for " + std::to_string(age / 1000) +
           " s (the bound is " + std::to_string(stale_after.count() / 1000) + " s)";
  }
  return std::nullopt;
}

bool lease_alive(const audit::Lease& lease, std::int64_t now_ms) {
  if (lease.released) return false;
  return !owner_dead(lease, audit::current_host(), now_ms, lease_timing().stale_after,
                     probe_process)
              .has_value();
}

base::Result<std::unique_ptr<LeaseKeeper>, audit::LeaseError> LeaseKeeper::acquire(
    audit::EventStore& store, const std::string& run_id, audit::LeaseMode mode,
    std::function<void(const std::string&)> on_lost) {
  const audit::LeaseOwner me = this_process();
  const auto stale = lease_timing().stale_after;
  auto lease =
      store.acquire_lease(run_id, me, mode, [&](const audit::Lease& holder, std::int64_t now_ms) {
        return owner_dead(holder, me.host, now_ms, stale, probe_process);
      });
  if (!lease) return lease.error();
  return std::unique_ptr<LeaseKeeper>(new LeaseKeeper(store, *lease, std::move(on_lost)));
}

LeaseKeeper::LeaseKeeper(audit::EventStore& store, audit::Lease lease,
                         std::function<void(const std::string&)> on_lost)
    : store_(store), lease_(std::move(lease)), on_lost_(std::move(on_lost)) {
  thread_ = std::thread([this] { beat(); });
}

LeaseKeeper::~LeaseKeeper() {
  stop();
}

void LeaseKeeper::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LeaseKeeper::beat() {
  const auto every = lease_timing().heartbeat;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (cv_.wait_for(lock, every, [this] { return stopping_; })) break;
    lock.unlock();
    auto renewed = store_.renew_lease(lease_.run_id, lease_.epoch);
    lock.lock();
    // A busy or failing DB is retried at the next beat; only a lease held by another epoch
    // is lost for good.
    if (!renewed && renewed.error().lease_lost) {
      lost_.store(true);
      lock.unlock();
      if (on_lost_) on_lost_(renewed.error().message);
      return;
    }
  }
}

base::Status<audit::FenceError> LeaseKeeper::release() {
  stop();
  auto r = store_.release_lease(lease_.run_id, lease_.epoch);
  if (!r) return r.error();
  return {};
}

}  // namespace tcplan::executor
