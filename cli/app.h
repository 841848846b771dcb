// The tcplan command line as a library function: the global options, every subcommand, and
// the exit code. cli/main.cc is only `main`; tests and the test-hooks build of the binary call
// run_main directly.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>

#include "cli/command.h"

namespace tcplan::cli {

// The whole command line: global options parsed into `global`, each subcommand setting `run`
// when chosen, every --help ending with examples (help_text.h).
std::unique_ptr<CLI::App> make_app(GlobalOptions& global, CommandFn& run);

int run_main(int argc, char** argv);

}  // namespace tcplan::cli
