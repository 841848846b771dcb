// Placeholder: the 'runs' subcommand is registered by its owner's change.
#include "cli/command.h"

namespace tcplan::cli {

void add_runs_command(CLI::App&, const GlobalOptions&, Runner&) {}

}  // namespace tcplan::cli
