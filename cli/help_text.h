// The end of every subcommand's --help: 2-4 real examples, the notes an operator needs, and
// the global options it accepts (they may come before or after the subcommand). Kept in one
// table so that every command reads the same way and a test can check that none is missing.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace tcplan::cli {

// Sets the footer of every subcommand of `app` (recursively). Returns the paths of those it
// has no examples for ("audit frobnicate"), which a test keeps empty.
std::vector<std::string> add_help_footers(CLI::App& app);

// "audit verify" for the subcommand `verify` of `audit`.
std::string command_path_of(const CLI::App& sub);

}  // namespace tcplan::cli
