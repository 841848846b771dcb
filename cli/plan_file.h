// The one check validate, plan and apply make before they parse a plan argument, so that all
// three say the same thing about a missing file, a directory or a binary file (whose bytes
// must never reach the terminal in a diagnostic's source line).
#pragma once

#include <string>

namespace tcplan::cli {

// Why `path` cannot be a plan ("no such file", "is a directory", "not a text file ..."), or
// empty when it is a readable UTF-8 text file.
std::string plan_file_problem(const std::string& path);

// Prints "PATH: error: cannot read the plan: WHY" when there is a problem; true when there was.
bool report_plan_file_problem(const std::string& path);

}  // namespace tcplan::cli
