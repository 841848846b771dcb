// Placeholder: the 'emulator' subcommand is registered by its owner's change.
#include "cli/command.h"

namespace tcplan::cli {

void add_emulator_command(CLI::App&, const GlobalOptions&, Runner&) {}

}  // namespace tcplan::cli
