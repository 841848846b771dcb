// What happens before CLI11 parses the command line: `tcplan help [CMD...]` becomes
// `tcplan [CMD...] --help`, and an unknown command or flag is refused with "did you mean"
// (api/closest_name.h, the one edit distance tcplan uses) instead of CLI11's generic message.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace tcplan::cli {

// argv without the program name, with a leading `help` turned into a trailing `--help`.
std::vector<std::string> rewrite_help(std::vector<std::string> args);

// The usage error for the first unknown command or flag in `args` ("unknown command 'aply'
// (did you mean 'apply'?)"), or empty when every command and flag is known.
std::string unknown_name_error(CLI::App& app, const std::vector<std::string>& args);

}  // namespace tcplan::cli
