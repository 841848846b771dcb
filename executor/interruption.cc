#include "executor/interruption.h"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdint>
#include <stdexcept>

namespace tcplan::executor {

Interruption::Interruption() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (fd_ < 0) throw std::runtime_error("Interruption: eventfd failed");
}

Interruption::~Interruption() {
  ::close(fd_);
}

void Interruption::request(int signal_number) {
  std::unique_lock lock(mu_);
  if (requested_.exchange(true)) {
    forced_.store(true);
    return;
  }
  signal_.store(signal_number);
  const std::uint64_t one = 1;
  ssize_t ignored = ::write(fd_, &one, sizeof one);  // never read: stays readable
  (void)ignored;
  cv_.notify_all();
  for (auto& [id, f] : callbacks_)
    f();
}

int Interruption::on_request(std::function<void()> f) {
  std::unique_lock lock(mu_);
  if (requested_.load()) {
    f();
    return -1;
  }
  int id = next_id_++;
  callbacks_.emplace(id, std::move(f));
  return id;
}

void Interruption::remove(int id) {
  std::unique_lock lock(mu_);
  callbacks_.erase(id);
}

bool Interruption::wait_for(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, d, [this] { return requested_.load(); });
}

SignalWatcher::SignalWatcher(Interruption& interruption) : interruption_(interruption) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  if (pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0)
    throw std::runtime_error("SignalWatcher: cannot block SIGINT/SIGTERM");
  signal_fd_ = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (signal_fd_ < 0 || stop_fd_ < 0) throw std::runtime_error("SignalWatcher: signalfd failed");
  thread_ = std::thread([this] {
    for (;;) {
      pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) continue;
      if (fds[1].revents != 0) return;
      signalfd_siginfo info{};
      while (::read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info))
        interruption_.request(static_cast<int>(info.ssi_signo));
    }
  });
}

SignalWatcher::~SignalWatcher() {
  const std::uint64_t one = 1;
  ssize_t ignored = ::write(stop_fd_, &one, sizeof one);
  (void)ignored;
  if (thread_.joinable()) thread_.join();
  ::close(signal_fd_);
  ::close(stop_fd_);
}

}  // namespace tcplan::executor
