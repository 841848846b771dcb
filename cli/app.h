// The tcplan command line as a library function: the global options, every subcommand, and
// the exit code. cli/main.cc is only `main`; tests and the test-hooks build of the binary call
// run_main directly.
#pragma once

namespace tcplan::cli {

int run_main(int argc, char** argv);

}  // namespace tcplan::cli
