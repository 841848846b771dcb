// Where a trail lives, from what the operator wrote after --audit-db: a path keeps the
// embedded SQLite file; `postgresql://…`, `postgres://…` or a libpq keyword string
// (`service=team`, `host=db dbname=audit`) is a PostgreSQL team store. Also where the files
// that belong to a trail go when it is not a file itself (seal key, witness, emulator state):
// the state directory, like every other file tcplan keeps.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/state_dir.h"

namespace tcplan::audit {

struct StoreLocation {
  enum class Kind { kSqlite, kPostgres };
  Kind kind = Kind::kSqlite;
  std::string text;            // as given: a path, or the libpq connection string
  std::filesystem::path file;  // kSqlite
  std::string display;         // for messages and the trail: never carries a password
  std::string name;            // names this trail's side files: "audit.db", "audit@db.example"
  bool has_password = false;   // kPostgres: the connection string carries one (discouraged)
  std::string password;        // registered with the redactor by whoever opens the store
};

bool is_postgres_location(std::string_view text);
base::Result<StoreLocation> parse_location(const std::string& text);

// The directory for the side files of a trail that is not a file: the state directory
// (base/state_dir.h: $XDG_STATE_HOME/tcplan, else ~/.local/state/tcplan), the one place
// tcplan keeps what it writes on the operator's machine; the working directory when there is
// none (no HOME, no XDG_STATE_HOME), as for the default trail. `env` as base::state_dir's.
std::filesystem::path side_file_dir(
    const std::map<std::string, std::string>& env = base::state_environment());

// "<db><suffix>" beside a SQLite file; "<side_file_dir>/<name><suffix>" for a team store.
std::filesystem::path side_file(const StoreLocation& location, std::string_view suffix);
std::filesystem::path side_file(const std::string& location, std::string_view suffix);
// Creates side_file_dir() (mode 0700: it holds seal keys) when `location` is a team store;
// nothing for a SQLite file, whose side files sit beside it.
base::Status<base::Error> make_side_file_dir(const std::string& location);

}  // namespace tcplan::audit
