// A small RAII layer over libpq for the PostgreSQL backend: one connection, statements with
// text parameters, results that free themselves, errors as values with the server's message.
// libpq is used directly (Debian libpq-dev) rather than libpqxx: the backend needs a dozen
// statements, and this file is the whole wrapper (docs/team.md).
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "audit/backend_sql.h"
#include "base/result.h"

namespace tcplan::audit::pg {

class Result {
 public:
  Result() = default;
  explicit Result(PGresult* r) : r_(r, PQclear) {}
  int rows() const { return r_ ? PQntuples(r_.get()) : 0; }
  bool null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string_view text(int row, int col) const {
    return {PQgetvalue(r_.get(), row, col),
            static_cast<std::size_t>(PQgetlength(r_.get(), row, col))};
  }
  std::int64_t integer(int row, int col) const;

 private:
  std::shared_ptr<PGresult> r_;
};

class Connection {
 public:
  // Connects with `conninfo` (a URI or keyword string; PGPASSFILE, service files and the
  // other PG* variables apply as libpq documents). `display` names it in messages.
  static base::Result<std::unique_ptr<Connection>> open(const std::string& conninfo,
                                                        const std::string& display);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // One statement with parameters ($1, $2, ...), or several without (schema scripts).
  base::Result<Result> exec(const std::string& sql, const std::vector<sql::Param>& params = {});
  base::Result<Result> exec_script(const std::string& sql);
  // Re-connects when the server closed the connection (a restart, an idle timeout).
  base::Status<base::Error> ensure_open();
  // Session settings (SET ...): run now, and again after every re-connection.
  base::Status<base::Error> set_session(std::string sql);
  bool in_transaction() const;
  const std::string& display() const { return display_; }
  // The SQLSTATE of the last failed statement ("42501": insufficient privilege).
  const std::string& last_sqlstate() const { return sqlstate_; }

 private:
  Connection(PGconn* c, std::string display) : c_(c), display_(std::move(display)) {}
  base::Result<Result> check(PGresult* r, const std::string& sql);
  PGconn* c_;
  std::string display_;
  std::string session_;
  std::string sqlstate_;
};

// "permission denied" and friends: the role lacks a privilege (SQLSTATE class 42501).
bool is_permission_error(const std::string& sqlstate);

}  // namespace tcplan::audit::pg
