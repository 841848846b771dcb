// tcplan: validate, price and run change plans against Tencent Cloud. The command line lives
// in the tcplan_cli library (cli/app.h) so that tests can drive it in-process.
#include "cli/app.h"

int main(int argc, char** argv) {
  return tcplan::cli::run_main(argc, argv);
}
