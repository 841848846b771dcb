// `tcplan audit init URI` and `tcplan audit copy FROM TO`: setting up a PostgreSQL team store
// (tables, triggers, the writer and reviewer roles: audit/pg_schema.h) and moving a trail
// between stores verbatim (audit/copy.h). This file parses flags and prints.
#include <boost/json/object.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "audit/copy.h"
#include "audit/event_store.h"
#include "audit/location.h"
#include "audit/pg_schema.h"
#include "audit/seal.h"
#include "audit/witness.h"
#include "base/redact.h"
#include "cli/command.h"
#include "cli/output_json.h"
#include "cli/trail.h"

namespace tcplan::cli {
namespace {

namespace au = tcplan::audit;

struct AdminOptions {
  std::string uri;
  au::PgInitOptions roles;
  std::string from, to;
};

void warn_password(const au::StoreLocation& loc) {
  if (!loc.has_password) return;
  base::process_redactor().add_secret(loc.password);
  std::fprintf(stderr,
               "warning: %s carries a password on the command line; use PGPASSFILE or a "
               "service file instead (docs/team.md)\n",
               loc.display.c_str());
}

// `--output json` documents (docs/schemas/audit-init.schema.json, audit-copy.schema.json).
boost::json::object init_json(const au::StoreLocation& loc, const au::PgInitReport& r) {
  return {{"schema", "tcplan.audit-init/1"},
          {"store", loc.display},
          {"db_schema", r.schema},
          {"created", r.created},
          {"tables", boost::json::array{"events", "meta", "leases", "witness", "rate_buckets"}},
          {"writer_role", r.writer_role},
          {"reviewer_role", r.reviewer_role}};
}

boost::json::object copy_json(const au::EventStore& from, const au::EventStore& to,
                              const au::CopyReport& r) {
  boost::json::value last_seal = nullptr;
  if (r.sealed) {
    last_seal = boost::json::object{
        {"counter", r.sealed->counter}, {"seq", r.sealed->seq}, {"hash", r.sealed->hash}};
  }
  boost::json::value unsealed_from = nullptr;
  if (r.source.first_unsealed_seq) unsealed_from = *r.source.first_unsealed_seq;
  return {{"schema", "tcplan.audit-copy/1"},
          {"from", from.describe()},
          {"to", to.describe()},
          {"events", r.events},
          {"leases", r.leases},
          {"head_seq", r.events},
          {"head_hash", r.head_hash},
          {"last_seal", last_seal},
          {"first_unsealed_seq", unsealed_from},
          {"unsealed_run_id", r.source.sealed() ? std::string() : r.source.unsealed_run_id}};
}

int run_init(const AdminOptions& o, const GlobalOptions& g) {
  auto loc = au::parse_location(o.uri);
  if (!loc) return fail(loc.error().message);
  if (loc->kind != au::StoreLocation::Kind::kPostgres) {
    std::fprintf(stderr,
                 "error: audit init sets up a PostgreSQL team store (postgresql://...); a SQLite "
                 "trail needs no set-up: it is created on first use\n");
    return kExitUsage;
  }
  warn_password(*loc);
  auto report = au::init_postgres_store(*loc, o.roles);
  if (!report) return fail(base::printable(report.error().message));
  if (g.output == "json") {
    print_json(init_json(*loc, *report));
    return kExitOk;
  }
  std::printf("%s %s (schema %s): tables events, meta, leases, witness, rate_buckets\n",
              report->created ? "set up" : "already set up; checked", loc->display.c_str(),
              report->schema.c_str());
  std::printf(
      "roles: %s (SELECT, INSERT: may append, never UPDATE or DELETE events), %s "
      "(SELECT only)\n",
      report->writer_role.c_str(), report->reviewer_role.c_str());
  std::printf("next: GRANT %s TO <operator login>; GRANT %s TO <reviewer login>;\n",
              report->writer_role.c_str(), report->reviewer_role.c_str());
  return kExitOk;
}

// The destination's witnesses follow the copied trail's last seal, so `audit verify` there is
// anchored at once: the file beside its default key, and a team store's own row.
void witness_copy(au::EventStore& to, const au::WitnessState& sealed) {
  if (auto dir = au::make_side_file_dir(to.location().text); !dir) {
    std::fprintf(stderr, "warning: %s\n", dir.error().message.c_str());
  }
  auto file =
      au::default_witness_path(to.location().text, au::default_key_path(to.location().text));
  if (auto ok = au::FileWitness(file).advance(sealed); !ok) {
    std::fprintf(stderr, "warning: %s\n", ok.error().message.c_str());
  }
  if (!to.shared()) return;
  if (auto ok = to.import_witness(sealed); !ok) {
    std::fprintf(stderr, "warning: %s\n", ok.error().message.c_str());
  }
}

int run_copy(const AdminOptions& o, const GlobalOptions& g) {
  for (const auto* where : {&o.from, &o.to}) {
    if (auto loc = au::parse_location(*where)) warn_password(*loc);
  }
  auto from = open_existing_trail(o.from);
  if (!from) return fail(from.error().message);
  auto to = au::EventStore::open(o.to);
  if (!to) return fail(to.error().message);
  if ((*from)->describe() == (*to)->describe()) {
    std::fprintf(stderr, "error: FROM and TO are the same trail\n");
    return kExitUsage;
  }
  auto copied = au::copy_trail(**from, **to, [](std::int64_t n) {
    if (n % 10000 == 0) std::fprintf(stderr, "copied %lld events\n", static_cast<long long>(n));
  });
  if (!copied) return fail(base::printable(copied.error().message));
  if (copied->sealed) witness_copy(**to, *copied->sealed);
  record_trail_access(**from, au::EventKind::kTrailExported, "",
                      {{"command", "audit copy"},
                       {"to", (*to)->describe()},
                       {"events", copied->events},
                       {"head_hash", copied->head_hash}});
  if (g.output == "json") {
    print_json(copy_json(**from, **to, *copied));
    return kExitOk;
  }
  std::printf("copied %lld events and %lld leases from %s to %s (head %lld:%s)\n",
              static_cast<long long>(copied->events), static_cast<long long>(copied->leases),
              (*from)->describe().c_str(), (*to)->describe().c_str(),
              static_cast<long long>(copied->events), copied->head_hash.c_str());
  if (copied->sealed) {
    std::printf(
        "last seal: %lld at event %lld; check the copy with `tcplan audit verify "
        "--audit-db %s --expect-head %lld:%s`\n",
        static_cast<long long>(copied->sealed->counter),
        static_cast<long long>(copied->sealed->seq), (*to)->describe().c_str(),
        static_cast<long long>(copied->sealed->seq), copied->sealed->hash.c_str());
  }
  if (!copied->source.sealed()) {
    std::printf(
        "note: events from %lld (run %s) are not sealed yet; they were copied as they "
        "are\n",
        static_cast<long long>(*copied->source.first_unsealed_seq),
        base::printable(copied->source.unsealed_run_id).c_str());
  }
  return kExitOk;
}

}  // namespace

void add_audit_admin_commands(CLI::App& audit, const GlobalOptions& global, CommandFn& run) {
  auto opts = std::make_shared<AdminOptions>();
  CLI::App* init = audit.add_subcommand(
      "init",
      "Set up a PostgreSQL team store: tables, append-only triggers, writer and "
      "reviewer roles (idempotent; run once as a role that may create tables and roles)");
  init->add_option("URI", opts->uri, "postgresql://host/db, or service=NAME (docs/team.md)")
      ->required();
  init->add_option("--writer-role", opts->roles.writer_role,
                   "Role that may append (SELECT, INSERT) but never UPDATE or DELETE events")
      ->capture_default_str();
  init->add_option("--reviewer-role", opts->roles.reviewer_role, "Role that may only SELECT")
      ->capture_default_str();
  init->callback(
      [&run, &global, opts] { run = [&global, opts] { return run_init(*opts, global); }; });

  CLI::App* copy = audit.add_subcommand(
      "copy", "Copy every event (seq, hashes, seals) of trail FROM into the empty trail TO");
  copy->add_option("FROM", opts->from, "Source trail: a SQLite file or postgresql://...")
      ->required();
  copy->add_option("TO", opts->to, "Destination trail (empty): a SQLite file or postgresql://...")
      ->required();
  copy->callback(
      [&run, &global, opts] { run = [&global, opts] { return run_copy(*opts, global); }; });
}

}  // namespace tcplan::cli
