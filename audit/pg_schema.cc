// `tcplan audit init`: the team store's tables, triggers and roles (see pg_schema.h).
#include "audit/pg_schema.h"

#include "audit/backend.h"
#include "audit/chain.h"
#include "audit/pg_connection.h"

namespace tcplan::audit {
namespace {

constexpr const char* kTables = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
  seq BIGINT PRIMARY KEY,
  time_ms BIGINT NOT NULL,
  kind TEXT NOT NULL,
  run_id TEXT NOT NULL,
  step_id TEXT NOT NULL,
  item TEXT NOT NULL,
  attempt BIGINT NOT NULL,
  service TEXT NOT NULL,
  action TEXT NOT NULL,
  version TEXT NOT NULL,
  region TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  request_id TEXT NOT NULL,
  client_token TEXT NOT NULL,
  error_code TEXT NOT NULL,
  http_status BIGINT NOT NULL,
  latency_us BIGINT NOT NULL,
  operator_user TEXT NOT NULL,
  operator_host TEXT NOT NULL,
  tool_version TEXT NOT NULL,
  payload TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_run ON events (run_id, seq);
CREATE INDEX IF NOT EXISTS events_item ON events (item, kind);
CREATE INDEX IF NOT EXISTS events_kind ON events (kind, seq);
CREATE TABLE IF NOT EXISTS leases (
  run_id TEXT PRIMARY KEY,
  epoch BIGINT NOT NULL,
  host TEXT NOT NULL,
  pid BIGINT NOT NULL,
  started TEXT NOT NULL,
  acquired_ms BIGINT NOT NULL,
  heartbeat_ms BIGINT NOT NULL,
  released BOOLEAN NOT NULL
);
CREATE TABLE IF NOT EXISTS witness (
  trail TEXT PRIMARY KEY,
  counter BIGINT NOT NULL,
  seq BIGINT NOT NULL,
  hash TEXT NOT NULL,
  run_id TEXT NOT NULL,
  key_fingerprint TEXT NOT NULL,
  time_ms BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS rate_buckets (
  bucket TEXT PRIMARY KEY,
  next_slot_us BIGINT NOT NULL
);

CREATE OR REPLACE FUNCTION tcplan_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit % is append-only: % rejected', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE OR REPLACE FUNCTION tcplan_witness_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.counter > OLD.counter AND NEW.seq > OLD.seq THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'the audit witness only moves forward: % rejected', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
DROP TRIGGER IF EXISTS events_append_only ON events;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION tcplan_append_only();
DROP TRIGGER IF EXISTS events_no_truncate ON events;
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION tcplan_append_only();
DROP TRIGGER IF EXISTS meta_append_only ON meta;
CREATE TRIGGER meta_append_only BEFORE UPDATE OR DELETE ON meta
  FOR EACH ROW EXECUTE FUNCTION tcplan_append_only();
DROP TRIGGER IF EXISTS meta_no_truncate ON meta;
CREATE TRIGGER meta_no_truncate BEFORE TRUNCATE ON meta
  FOR EACH STATEMENT EXECUTE FUNCTION tcplan_append_only();
DROP TRIGGER IF EXISTS witness_forward ON witness;
CREATE TRIGGER witness_forward BEFORE UPDATE OR DELETE ON witness
  FOR EACH ROW EXECUTE FUNCTION tcplan_witness_forward();
DROP TRIGGER IF EXISTS witness_no_truncate ON witness;
CREATE TRIGGER witness_no_truncate BEFORE TRUNCATE ON witness
  FOR EACH STATEMENT EXECUTE FUNCTION tcplan_witness_forward();
)sql";

// Roles belong to the whole server, not the database: an init of another database on the
// same server (whose chain lock is another) may create the role between the check and the
// CREATE, which then fails as a duplicate; the role is there either way.
std::string role_sql(const std::string& role) {
  return "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" + role +
         "') THEN CREATE ROLE " + role +
         " NOLOGIN; END IF; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; "
         "END $$;";
}

}  // namespace

bool valid_role_name(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  if (!((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_')) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

base::Result<PgInitReport> init_postgres_store(const StoreLocation& location,
                                               const PgInitOptions& options) {
  for (const auto* role : {&options.writer_role, &options.reviewer_role}) {
    if (!valid_role_name(*role)) {
      return base::Error{"role name '" + *role +
                         "': use lower-case letters, digits and '_' (at most 63)"};
    }
  }
  if (options.writer_role == options.reviewer_role) {
    return base::Error{"the writer and reviewer roles must differ"};
  }
  auto conn = pg::Connection::open(location.text, location.display);
  if (!conn) return conn.error();
  pg::Connection& c = **conn;
  PgInitReport report;
  report.writer_role = options.writer_role;
  report.reviewer_role = options.reviewer_role;

  // One transaction, serialised with any other init and with every appender (the chain lock),
  // so a half-made schema is never seen and two inits cannot race.
  if (auto ok = c.exec_script("BEGIN; SELECT pg_advisory_xact_lock(" +
                              std::to_string(kPgChainLockKey) + ")");
      !ok) {
    return ok.error();
  }
  auto fail = [&](const base::Error& e) -> base::Result<PgInitReport> {
    (void)c.exec_script("ROLLBACK");  // the error below is what matters
    return e;
  };
  auto schema = c.exec("SELECT current_schema(), to_regclass('events') IS NOT NULL");
  if (!schema) return fail(schema.error());
  if (schema->rows() != 1 || schema->null(0, 0)) {
    return fail(
        base::Error{"the connection has no current schema to create tables in (check "
                    "search_path)"});
  }
  report.schema = std::string(schema->text(0, 0));
  report.created = schema->text(0, 1) != "t";
  const std::string& w = options.writer_role;
  const std::string& r = options.reviewer_role;
  std::string script =
      std::string(kTables) + "INSERT INTO meta VALUES ('schema_version', '" +
      std::to_string(kSchemaVersion) + "') ON CONFLICT DO NOTHING;" +
      "INSERT INTO meta VALUES ('chain_version', '" + std::string(kChainVersion) +
      "') ON CONFLICT DO NOTHING;" + role_sql(w) + role_sql(r) +
      // Nothing for anyone but the owner, then exactly what each role needs.
      "REVOKE ALL ON meta, events, leases, witness, rate_buckets FROM PUBLIC;" +
      "DO $$ BEGIN EXECUTE format('GRANT USAGE ON SCHEMA %I TO " + w + ", " + r +
      "', current_schema()); END $$;" + "REVOKE UPDATE, DELETE, TRUNCATE ON meta, events FROM " +
      w + ";" + "GRANT SELECT, INSERT ON events TO " + w + ";" + "GRANT SELECT ON meta TO " + w +
      ";" + "GRANT SELECT, INSERT, UPDATE ON leases, witness, rate_buckets TO " + w + ";" +
      "REVOKE ALL ON meta, events, leases, witness, rate_buckets FROM " + r + ";" +
      "GRANT SELECT ON meta, events, leases, witness, rate_buckets TO " + r + ";";
  if (auto ok = c.exec_script(script); !ok) return fail(ok.error());
  auto version = c.exec("SELECT value FROM meta WHERE key = 'schema_version'");
  if (!version) return fail(version.error());
  if (version->rows() == 1 && version->text(0, 0) != std::to_string(kSchemaVersion)) {
    return fail(base::Error{"audit store " + location.display + " has schema version " +
                            std::string(version->text(0, 0)) + "; this tcplan writes version " +
                            std::to_string(kSchemaVersion)});
  }
  if (auto ok = c.exec_script("COMMIT"); !ok) return ok.error();
  return report;
}

}  // namespace tcplan::audit
