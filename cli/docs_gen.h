// Documents generated from the command line itself, so that they never drift from it: the
// bash completion script and the man page (docs/tcplan.1). cli/gen/tcplan_gen_docs.cc writes
// them at build time; a test checks that the committed docs/tcplan.1 and
// share/bash-completion/tcplan are what the current command line generates.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace tcplan::cli {

// A bash completion script: subcommands, flags, option values (--target, --output, ...),
// plan files for validate/plan/apply, and run ids (from `tcplan runs --output json`, with the
// --audit-db already typed) for status, unlock, audit show/report/pack and --resume.
std::string bash_completion(CLI::App& app);

// The man page, in roff: synopsis, global options, every command with its options and examples,
// exit status, environment and files.
std::string man_page(CLI::App& app);

}  // namespace tcplan::cli
