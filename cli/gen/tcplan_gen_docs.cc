// Writes a document generated from the command line (cli/docs_gen.h) to stdout:
// `tcplan_gen_docs man` or `tcplan_gen_docs bash-completion`. Run by the build (for install)
// and by the test that keeps the committed copies current.
#include <cstdio>
#include <string>

#include "cli/app.h"
#include "cli/docs_gen.h"

int main(int argc, char** argv) {
  tcplan::cli::GlobalOptions global;
  tcplan::cli::CommandFn run;
  auto app = tcplan::cli::make_app(global, run);
  const std::string what = argc > 1 ? argv[1] : "";
  std::string text;
  if (what == "man") {
    text = tcplan::cli::man_page(*app);
  } else if (what == "bash-completion") {
    text = tcplan::cli::bash_completion(*app);
  } else {
    std::fprintf(stderr, "usage: tcplan_gen_docs man|bash-completion\n");
    return 2;
  }
  std::fputs(text.c_str(), stdout);
  return 0;
}
