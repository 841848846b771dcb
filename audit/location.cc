// Trail locations: SQLite paths and PostgreSQL connection strings (see location.h).
#include "audit/location.h"

#include <libpq-fe.h>

#include <map>

namespace tcplan::audit {
namespace {

// The libpq keywords a connection string may start with. A file whose name starts with one of
// them followed by "=" is written "./service=x".
constexpr std::string_view kKeywords[] = {
    "host",    "hostaddr", "port",     "dbname",          "user", "service", "sslmode",
    "options", "password", "passfile", "application_name"};

std::string safe_name(std::string_view text) {
  std::string out;
  for (char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_';
    out += ok ? c : '_';
  }
  while (!out.empty() && out.front() == '_')
    out.erase(out.begin());
  return out.empty() ? std::string("x") : out;
}

}  // namespace

bool is_postgres_location(std::string_view text) {
  if (text.starts_with("postgresql://") || text.starts_with("postgres://")) return true;
  std::size_t start = text.find_first_not_of(" \t");
  if (start == std::string_view::npos) return false;
  text.remove_prefix(start);
  for (std::string_view k : kKeywords) {
    if (!text.starts_with(k)) continue;
    std::string_view rest = text.substr(k.size());
    std::size_t eq = rest.find_first_not_of(" \t");
    if (eq != std::string_view::npos && rest[eq] == '=') return true;
  }
  return false;
}

base::Result<StoreLocation> parse_location(const std::string& text) {
  StoreLocation loc;
  loc.text = text;
  if (!is_postgres_location(text)) {
    if (text.empty()) return base::Error{"--audit-db is empty"};
    loc.kind = StoreLocation::Kind::kSqlite;
    loc.file = text;
    loc.display = text;
    loc.name = loc.file.filename().string();
    return loc;
  }
  loc.kind = StoreLocation::Kind::kPostgres;
  char* err = nullptr;
  PQconninfoOption* options = PQconninfoParse(text.c_str(), &err);
  if (options == nullptr) {
    // libpq's message names the bad part; it never echoes a password back.
    std::string why = err != nullptr ? err : "out of memory";
    PQfreemem(err);
    while (!why.empty() && why.back() == '\n')
      why.pop_back();
    return base::Error{"--audit-db is not a PostgreSQL connection string: " + why};
  }
  std::map<std::string, std::string> v;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val != nullptr && *o->val != '\0') v[o->keyword] = o->val;
  }
  PQconninfoFree(options);
  if (v.count("password")) {
    loc.has_password = true;
    loc.password = v["password"];
  }
  // Rebuilt from the parsed parts, so a password never survives into a message.
  std::string host = v.count("host") ? v["host"] : v.count("hostaddr") ? v["hostaddr"] : "";
  std::string d = "postgresql://";
  if (v.count("user")) d += v["user"] + "@";
  const bool socket_dir = !host.empty() && host.front() == '/';
  if (!socket_dir) d += host;
  if (v.count("port")) d += ":" + v["port"];
  d += "/";
  if (v.count("dbname")) d += v["dbname"];
  std::string query;
  if (socket_dir) query += "host=" + host;
  if (v.count("service"))
    query += (query.empty() ? "" : "&") + std::string("service=") + v["service"];
  if (!query.empty()) d += "?" + query;
  loc.display = d;
  std::string db = v.count("dbname") ? v["dbname"] : v.count("service") ? v["service"] : "postgres";
  loc.name = safe_name(db) + "@" + safe_name(host.empty() ? "local" : host);
  if (v.count("port")) loc.name += "_" + safe_name(v["port"]);
  return loc;
}

std::filesystem::path side_file_dir(const std::map<std::string, std::string>& env) {
  const std::string dir = base::state_dir(env);
  return dir.empty() ? std::filesystem::path(".") : std::filesystem::path(dir);
}

std::filesystem::path side_file(const StoreLocation& location, std::string_view suffix) {
  if (location.kind == StoreLocation::Kind::kSqlite) {
    return std::filesystem::path(location.file.string() + std::string(suffix));
  }
  return side_file_dir() / (location.name + std::string(suffix));
}

std::filesystem::path side_file(const std::string& location, std::string_view suffix) {
  auto parsed = parse_location(location);
  if (!parsed) return std::filesystem::path(location + std::string(suffix));
  return side_file(*parsed, suffix);
}

base::Status<base::Error> make_side_file_dir(const std::string& location) {
  if (!is_postgres_location(location)) return {};
  const std::filesystem::path dir = side_file_dir();
  if (dir == ".") return {};
  return base::make_state_dir(dir);
}

}  // namespace tcplan::audit
