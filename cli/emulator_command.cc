// `tcplan emulator [--listen ADDR:PORT] [--state FILE] [--faults FILE] ...`: a standalone
// local Tencent Cloud (docs/emulator.md). Prints "listening on http://ADDR:PORT" as its first
// stdout line and "control token: HEX" as its second, serves until SIGINT/SIGTERM, then finishes
// in-flight responses and exits 0.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>

#include "cli/command.h"
#include "cli/option_checks.h"
#include "emulator/local_emulator.h"

namespace tcplan::cli {
namespace {

struct EmulatorFlags {
  std::string listen = "127.0.0.1:0";
  std::string state;
  double time_scale = 1.0;
  std::uint64_t seed = 1;
  std::string fixture;
  std::string faults;
  std::string credentials;
  std::string secret_id;
  std::string secret_key;
  bool no_rate_limit = false;
  int threads = 2;
};

// "127.0.0.1:8080", "[::1]:0"; the port is required so that the address is never ambiguous.
bool parse_listen(const std::string& text, std::string* address, std::uint16_t* port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size()) return false;
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty()) return false;
  unsigned long value = 0;
  try {
    std::size_t used = 0;
    value = std::stoul(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1 || value > 65535) return false;
  } catch (const std::exception&) {
    return false;
  }
  *address = host;
  *port = static_cast<std::uint16_t>(value);
  return true;
}

int run_emulator(const EmulatorFlags& flags, bool seed_given) {
  emulator::LocalEmulatorOptions options;
  if (!parse_listen(flags.listen, &options.server.address, &options.server.port)) {
    std::fprintf(stderr, "error: --listen expects ADDRESS:PORT, e.g. 127.0.0.1:0\n");
    return kExitUsage;
  }
  options.server.threads = flags.threads;
  options.state_file = flags.state;
  options.time_scale = flags.time_scale;
  options.fixture_file = flags.fixture;
  options.faults_file = flags.faults;
  options.credentials_file = flags.credentials;
  options.secret_id = flags.secret_id;
  options.secret_key = flags.secret_key;
  options.rate_limits = !flags.no_rate_limit;
  if (seed_given) options.seed = flags.seed;
  if (flags.secret_id.empty() != flags.secret_key.empty()) {
    std::fprintf(stderr, "error: --secret-id and --secret-key go together\n");
    return kExitUsage;
  }

  // Signals are caught before serving starts, so an early SIGTERM still exits cleanly.
  boost::asio::io_context signals_io;
  boost::asio::signal_set signals(signals_io, SIGINT, SIGTERM);
  auto instance = emulator::LocalEmulator::start(options);
  std::printf("listening on %s\n", instance->url().c_str());
  // /_emulator/* needs it (X-Emulator-Token): only whoever started the emulator may read its
  // whole state or move its clock.
  std::printf("control token: %s\n", instance->control_token().c_str());
  std::fflush(stdout);
  signals.async_wait([](const boost::system::error_code&, int) {});
  signals_io.run();
  instance->stop();
  return kExitOk;
}

}  // namespace

void add_emulator_command(CLI::App& app, const GlobalOptions&, CommandFn& run) {
  auto flags = std::make_shared<EmulatorFlags>();
  CLI::App* cmd = app.add_subcommand(
      "emulator", "Run a local Tencent Cloud (EMR, CVM, ECM) emulator over HTTP");
  cmd->add_option("--listen", flags->listen,
                  "ADDRESS:PORT to listen on (port 0 picks a free one); loopback unless named")
      ->capture_default_str();
  cmd->add_option("--state", flags->state, "SQLite state file (default: in memory)");
  cmd->add_option("--time-scale", flags->time_scale,
                  "Speed-up of documented durations (1 = realistic)")
      ->check(positive_number())
      ->capture_default_str();
  CLI::Option* seed = cmd->add_option("--seed", flags->seed,
                                      "Seed for faults and the model (default: the faults "
                                      "file's seed, else 1)");
  cmd->add_option("--fixture", flags->fixture, "TOML fixture with initial clusters/instances")
      ->check(CLI::ExistingFile);
  cmd->add_option("--faults", flags->faults, "TOML faults file (docs/emulator.md)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--credentials", flags->credentials,
                  "TOML file of more [[credentials]] key pairs")
      ->check(CLI::ExistingFile);
  cmd->add_option("--secret-id", flags->secret_id,
                  "SecretId to accept (default: the fixed local pair)");
  cmd->add_option("--secret-key", flags->secret_key, "SecretKey of --secret-id");
  cmd->add_flag("--no-rate-limit", flags->no_rate_limit, "Turn off per-action rate limits");
  cmd->add_option("--threads", flags->threads, "I/O threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->callback([flags, seed, &run] {
    run = [flags, seed] { return run_emulator(*flags, seed->count() > 0); };
  });
}

}  // namespace tcplan::cli
