// Where tcplan keeps what it writes on the operator's machine: the XDG state directory
// ($XDG_STATE_HOME/tcplan, else ~/.local/state/tcplan). One rule for every such file: the
// default trail (cli/state_dir.h), its seal key and witness, the embedded emulator's state,
// and a team store's per-operator side files (audit/location.h).
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "base/result.h"

namespace tcplan::base {

// The directory, from the environment values given (tests pass their own): XDG_STATE_HOME when
// it is an absolute path (the XDG spec ignores relative ones), else HOME/.local/state; then
// "/tcplan". Empty when neither is usable.
std::string state_dir(const std::map<std::string, std::string>& env);

// The values of XDG_STATE_HOME and HOME in this process's environment.
std::map<std::string, std::string> state_environment();

// Creates `dir` (and its parents) if missing and makes it mode 0700 (it holds seal keys) when
// this user may.
Status<Error> make_state_dir(const std::filesystem::path& dir);

}  // namespace tcplan::base
