// Placeholder: the 'validate' subcommand is registered by its owner's change.
#include "cli/command.h"

namespace tcplan::cli {

void add_validate_command(CLI::App&, const GlobalOptions&, Runner&) {}

}  // namespace tcplan::cli
