// Which audit store a test's `--audit-db` points at: a SQLite file in the test's directory
// (the default), or — with TCPLAN_TEST_STORE=postgresql, how tests/CMakeLists.txt registers
// the `.pg` runs — a fresh database on the throw-away PostgreSQL server, set up as
// `tcplan audit init` sets it up. The same test code then runs against both stores.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace tcplan::testing {

// True when TCPLAN_TEST_STORE=postgresql.
bool testing_postgres();

// A new, empty database on shared_pg_server() with the team store's tables, triggers and
// roles (audit init); its URI. Also points this process's XDG_STATE_HOME (and so its
// children's) at test_state_home(), so the seal keys and witnesses of team stores never land
// in the real home directory.
std::string fresh_pg_store(const std::string& prefix = "trail");

// `dir / "audit.db"`, or fresh_pg_store() when testing_postgres().
std::filesystem::path test_store(const std::filesystem::path& dir);

// A trail nobody has made, for "a missing trail is an error" tests: a path in `dir` with no
// file, or a new database on the test server that `audit init` never set up.
std::filesystem::path absent_store(const std::filesystem::path& dir);
// What tcplan says when a command is pointed at absent_store(): the start of its message.
std::string absent_store_message();
// Whether anything was written to a trail from test_store() or absent_store(): the file
// exists, or the database has the tcplan tables and an event in them.
bool trail_written(const std::filesystem::path& db);

// How tcplan names the trail in a command it prints (a resume line): the path, or for a team
// store the URI rebuilt without a password, shell-quoted (the socket directory's '?host=').
std::string printed_store(const std::filesystem::path& db);

// For "this secret is in no byte of the store" checks, before anything is written: PostgreSQL
// compresses long values (TOAST), where a secret would not show as bytes; the trail's
// payloads are stored uncompressed instead, as SQLite stores them. Nothing for a file.
void keep_payloads_uncompressed(const std::filesystem::path& db);

// Every byte a store holds of a trail, for "this secret is in no byte of it" checks, as
// (where, bytes): the SQLite file and its WAL, or a PostgreSQL store's database files (after a
// checkpoint writes them out), the server's WAL segments written since `since` (the server is
// shared with the tests running beside this one) and the server's log.
std::vector<std::pair<std::string, std::string>> trail_bytes(const std::filesystem::path& db,
                                                             std::filesystem::file_time_type since);

// The database a URI from fresh_pg_store() or absent_store() names.
std::string pg_database(const std::string& uri);

}  // namespace tcplan::testing
