// Placeholder: the 'apply' subcommand is registered by its owner's change.
#include "cli/command.h"

namespace tcplan::cli {

void add_apply_command(CLI::App&, const GlobalOptions&, Runner&) {}

}  // namespace tcplan::cli
