// libpq wrapper (see pg_connection.h).
#include "audit/pg_connection.h"

#include <charconv>

namespace tcplan::audit::pg {
namespace {

std::string trimmed(const char* text) {
  std::string s = text != nullptr ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
    s.pop_back();
  return s;
}

// Server notices (e.g. "relation already exists, skipping") are not errors: keep them off
// stderr.
void quiet(void*, const PGresult*) {}

}  // namespace

std::int64_t Result::integer(int row, int col) const {
  std::string_view t = text(row, col);
  std::int64_t v = 0;
  std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}

base::Result<std::unique_ptr<Connection>> Connection::open(const std::string& conninfo,
                                                           const std::string& display) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  if (c == nullptr) return base::Error{"connecting to " + display + ": out of memory"};
  if (PQstatus(c) != CONNECTION_OK) {
    // libpq's message says what failed (no such host, authentication) without the password.
    std::string why = trimmed(PQerrorMessage(c));
    PQfinish(c);
    return base::Error{"connecting to the audit store " + display + ": " + why};
  }
  PQsetNoticeReceiver(c, quiet, nullptr);
  return std::unique_ptr<Connection>(new Connection(c, display));
}

Connection::~Connection() {
  PQfinish(c_);
}

base::Status<base::Error> Connection::ensure_open() {
  if (PQstatus(c_) == CONNECTION_OK) return {};
  PQreset(c_);
  if (PQstatus(c_) != CONNECTION_OK) {
    return base::Error{"reconnecting to the audit store " + display_ + ": " +
                       trimmed(PQerrorMessage(c_))};
  }
  PQsetNoticeReceiver(c_, quiet, nullptr);
  if (!session_.empty()) {
    if (auto r = exec_script(session_); !r) return r.error();
  }
  return {};
}

base::Status<base::Error> Connection::set_session(std::string sql) {
  session_ = std::move(sql);
  auto r = exec_script(session_);
  if (!r) return r.error();
  return {};
}

bool Connection::in_transaction() const {
  return PQtransactionStatus(c_) != PQTRANS_IDLE;
}

base::Result<Result> Connection::check(PGresult* raw, const std::string& sql) {
  Result r(raw);
  auto status = raw != nullptr ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    sqlstate_.clear();
    return r;
  }
  const char* state = raw != nullptr ? PQresultErrorField(raw, PG_DIAG_SQLSTATE) : nullptr;
  sqlstate_ = state != nullptr ? state : "";
  std::string why = trimmed(raw != nullptr ? PQresultErrorMessage(raw) : PQerrorMessage(c_));
  if (why.empty()) why = trimmed(PQerrorMessage(c_));
  std::string what = sql.substr(0, sql.find_first_of(" \n("));
  return base::Error{"audit store " + display_ + ": " + what + ": " + why};
}

base::Result<Result> Connection::exec(const std::string& sql,
                                      const std::vector<sql::Param>& params) {
  std::vector<std::string> storage;
  storage.reserve(params.size());
  std::vector<const char*> values;
  std::vector<int> lengths;
  for (const auto& p : params) {
    if (!p.is_int && p.s.find('\0') != std::string::npos) {
      // Text parameters end at a NUL: storing the rest silently would change the row's hash.
      return base::Error{"audit store " + display_ + ": a value holds a NUL byte, which " +
                         "PostgreSQL text cannot store"};
    }
    storage.push_back(p.is_int ? std::to_string(p.i) : p.s);
    values.push_back(storage.back().c_str());
    lengths.push_back(static_cast<int>(storage.back().size()));
  }
  PGresult* r = PQexecParams(c_, sql.c_str(), static_cast<int>(params.size()), nullptr,
                             values.data(), lengths.data(), nullptr, 0);
  return check(r, sql);
}

base::Result<Result> Connection::exec_script(const std::string& sql) {
  return check(PQexec(c_, sql.c_str()), sql);
}

bool is_permission_error(const std::string& sqlstate) {
  return sqlstate == "42501";
}

}  // namespace tcplan::audit::pg
