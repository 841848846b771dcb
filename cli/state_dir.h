// The trail tcplan uses when no --audit-db is given: <state dir>/audit.db, the state dir being
// base/state_dir.h's ($XDG_STATE_HOME/tcplan, else ~/.local/state/tcplan), so that the trail,
// its seal key, witness and the embedded emulator's state live in one place and `tcplan runs`
// works from any directory. TCPLAN_AUDIT_DB and --audit-db name another trail (its siblings
// follow it; a team store's side files stay in the state dir: audit/location.h).
#pragma once

#include <map>
#include <string>

#include "base/result.h"

namespace tcplan::cli {

// The trail to use: TCPLAN_AUDIT_DB when set, else <state dir>/audit.db (base::state_dir of
// `env`).
std::string default_audit_db(const std::map<std::string, std::string>& env);

// base::state_environment() and TCPLAN_AUDIT_DB.
std::map<std::string, std::string> state_environment();

// Creates the state directory (mode 0700) for a trail at `db` when `db` lies in it.
base::VoidResult ensure_state_dir(const std::string& db);

}  // namespace tcplan::cli
