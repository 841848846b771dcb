// Where tcplan keeps its state when no --audit-db is given: the XDG state directory
// ($XDG_STATE_HOME/tcplan, else ~/.local/state/tcplan), so that the trail, its seal key,
// witness and the embedded emulator's state live in one place and `tcplan runs` works from any
// directory. TCPLAN_AUDIT_DB and --audit-db name another trail (its siblings follow it).
#pragma once

#include <map>
#include <string>

#include "base/result.h"

namespace tcplan::cli {

// The directory, from the environment values given (tests pass their own): XDG_STATE_HOME when
// it is an absolute path (the XDG spec ignores relative ones), else HOME/.local/state; then
// "/tcplan". Empty when neither is usable.
std::string state_dir(const std::map<std::string, std::string>& env);

// The trail to use: TCPLAN_AUDIT_DB when set, else <state dir>/audit.db.
std::string default_audit_db(const std::map<std::string, std::string>& env);

// The values of XDG_STATE_HOME, HOME and TCPLAN_AUDIT_DB in this process's environment.
std::map<std::string, std::string> state_environment();

// Creates the state directory (mode 0700) for a trail at `db` when `db` lies in it.
base::VoidResult ensure_state_dir(const std::string& db);

}  // namespace tcplan::cli
