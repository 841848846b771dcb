// `tcplan audit verify|show|export|report|pack`: the compliance reviewer's commands. Each one
// reads the trail, prints or publishes (temp file + rename), then records the read as an
// event. The logic lives in audit/; this file parses flags and prints.
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "api/hash.h"
#include "audit/event_store.h"
#include "audit/export.h"
#include "audit/pack.h"
#include "audit/projection.h"
#include "audit/report_html.h"
#include "audit/seal.h"
#include "audit/verify.h"
#include "base/atomic_file.h"
#include "base/result.h"
#include "base/time.h"
#include "cli/command.h"
#include "cli/trail.h"

namespace tcplan::cli {
namespace {

namespace au = tcplan::audit;

struct AuditOptions {
  std::string key;  // --audit-key; empty: "<db>.key" when it exists
  std::string run;
  std::string jsonl;
  std::string since, until, action, format = "jsonl", out;
  std::string html;
  std::string dir;
};

// The public key seals must carry: the key file's, when there is one to trust.
base::Result<std::string> trusted_key(const std::string& db, const std::string& key_flag) {
  std::filesystem::path path =
      key_flag.empty() ? au::default_key_path(db) : std::filesystem::path(key_flag);
  std::error_code ec;
  if (key_flag.empty() && !std::filesystem::exists(path, ec)) return std::string();
  auto key = au::SealKey::load(path);
  if (!key) return key.error();
  return key->public_key_hex();
}

int run_verify(const GlobalOptions& g, const AuditOptions& o) {
  au::VerifyOptions vo;
  vo.run_id = o.run;
  auto trusted = trusted_key(g.audit_db, o.key);
  if (!trusted) return fail(trusted.error().message);
  vo.trusted_public_key = *trusted;
  au::VerifyReport report;
  if (!o.jsonl.empty()) {
    // An export on its own: no DB is read or written.
    std::FILE* f = std::fopen(o.jsonl.c_str(), "rb");
    if (f == nullptr) return fail("cannot read " + o.jsonl);
    std::string text;
    char buf[65536];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;)
      text.append(buf, n);
    std::fclose(f);
    auto events = au::parse_jsonl(text);
    if (!events) return fail(o.jsonl + ": " + events.error().message);
    vo.allow_gaps = true;
    au::ChainVerifier v(vo);
    for (const auto& e : *events) {
      if (!v.feed(e)) break;
    }
    report = v.finish();
  } else {
    auto store = open_existing_trail(g.audit_db);
    if (!store) return fail(store.error().message);
    auto r = au::verify_store(**store, vo);
    if (!r) return fail(r.error().message);
    report = *r;
    boost::json::object d{{"command", "audit verify"},
                          {"run", o.run},
                          {"intact", report.intact()},
                          {"sealed", report.sealed()}};
    record_trail_access(**store, au::EventKind::kTrailRead, o.run, d);
  }
  std::fputs(au::describe(report).c_str(), stdout);
  if (vo.trusted_public_key.empty() && report.seals > 0) {
    std::printf("note: no trusted key given (--audit-key): seal keys above were not pinned\n");
  }
  return report.ok() ? kExitOk : kExitFailed;
}

int run_show(const GlobalOptions& g, const AuditOptions& o) {
  auto store = open_existing_trail(g.audit_db);
  if (!store) return fail(store.error().message);
  auto events = (*store)->run_events(o.run);
  if (!events) return fail(events.error().message);
  if (events->empty()) return fail("no run " + o.run + " in " + g.audit_db);
  au::RunState run = au::project_run(*events);
  std::printf("run %s: %s, %s@%s, %s\n", run.run_id.c_str(), run.status.c_str(),
              run.operator_user.c_str(), run.operator_host.c_str(), run.tool_version.c_str());
  std::printf("started %s  finished %s  sealed %s\n", base::format_utc_ms(run.started_ms).c_str(),
              run.finished_ms ? base::format_utc_ms(run.finished_ms).c_str() : "-",
              run.sealed ? "yes" : "no");
  for (const auto& s : run.steps) {
    std::printf("step %-24s %-10s attempts %lld retries %lld%s%s\n", s.step_id.c_str(),
                s.status.c_str(), static_cast<long long>(s.attempts),
                static_cast<long long>(s.retries), s.last_error.empty() ? "" : "  last error ",
                s.last_error.c_str());
  }
  std::printf("\n");
  for (const auto& e : *events) {
    std::string line = base::format_utc_ms(e.time_ms) + "  #" + std::to_string(e.seq) + "  " +
                       std::string(au::kind_name(e.kind));
    if (!e.step_id.empty()) line += "  step=" + e.step_id;
    if (!e.item.empty()) line += "  item=" + e.item;
    if (!e.action.empty()) line += "  " + e.service + "." + e.action;
    if (e.attempt > 0) line += "  attempt=" + std::to_string(e.attempt);
    if (e.http_status != 0) line += "  http=" + std::to_string(e.http_status);
    if (!e.error_code.empty()) line += "  error=" + e.error_code;
    if (!e.request_id.empty()) line += "  RequestId=" + e.request_id;
    if (e.latency_us != 0) line += "  " + std::to_string(e.latency_us / 1000) + "ms";
    std::printf("%s\n", line.c_str());
  }
  record_trail_access(**store, au::EventKind::kTrailRead, o.run,
                      {{"command", "audit show"}, {"run", o.run}});
  return kExitOk;
}

int run_export(const GlobalOptions& g, const AuditOptions& o) {
  au::EventQuery q;
  q.run_id = o.run;
  q.action = o.action;
  for (auto [text, slot] : {std::pair{&o.since, &q.since_ms}, std::pair{&o.until, &q.until_ms}}) {
    if (text->empty()) continue;
    auto t = base::parse_utc_ms(*text);
    if (!t) {
      std::fprintf(stderr, "error: cannot read time '%s' (use 2024-05-01T12:00:00Z)\n",
                   text->c_str());
      return kExitUsage;
    }
    *slot = *t;
  }
  auto store = open_existing_trail(g.audit_db);
  if (!store) return fail(store.error().message);
  auto events = (*store)->query(q);
  if (!events) return fail(events.error().message);
  std::string text = au::export_events(
      *events, o.format == "csv" ? au::ExportFormat::kCsv : au::ExportFormat::kJsonl);
  if (o.out.empty() || o.out == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
  } else if (auto w = base::write_file_atomically(o.out, text); !w) {
    return fail(w.error().message);
  }
  record_trail_access(**store, au::EventKind::kTrailExported, o.run,
                      {{"command", "audit export"},
                       {"format", o.format},
                       {"since", o.since},
                       {"until", o.until},
                       {"action", o.action},
                       {"events", events->size()},
                       {"sha256", api::sha256_hex(text)}});
  return kExitOk;
}

int run_report(const GlobalOptions& g, const AuditOptions& o) {
  auto store = open_existing_trail(g.audit_db);
  if (!store) return fail(store.error().message);
  auto events = (*store)->run_events(o.run);
  if (!events) return fail(events.error().message);
  if (events->empty()) return fail("no run " + o.run + " in " + g.audit_db);
  auto trusted = trusted_key(g.audit_db, o.key);
  if (!trusted) return fail(trusted.error().message);
  au::VerifyOptions vo;
  vo.run_id = o.run;
  vo.trusted_public_key = *trusted;
  auto chain = au::verify_store(**store, vo);
  if (!chain) return fail(chain.error().message);
  std::string html = au::render_html_report(au::project_run(*events), *events, *chain);
  if (auto w = base::write_file_atomically(o.html, html); !w) return fail(w.error().message);
  record_trail_access(
      **store, au::EventKind::kTrailExported, o.run,
      {{"command", "audit report"}, {"file", o.html}, {"sha256", api::sha256_hex(html)}});
  std::printf("wrote %s (chain %s)\n", o.html.c_str(), chain->intact() ? "intact" : "NOT INTACT");
  return kExitOk;
}

int run_pack(const GlobalOptions& g, const AuditOptions& o) {
  auto store = open_existing_trail(g.audit_db);
  if (!store) return fail(store.error().message);
  auto trusted = trusted_key(g.audit_db, o.key);
  if (!trusted) return fail(trusted.error().message);
  auto files = au::pack_run(**store, o.run, o.dir, *trusted);
  if (!files) return fail(files.error().message);
  for (const auto& f : *files)
    std::printf("%s  %s\n", f.sha256.c_str(), f.name.c_str());
  std::printf("wrote %s (manifest SHA256SUMS)\n", o.dir.c_str());
  return kExitOk;
}

}  // namespace

void add_audit_command(CLI::App& app, const GlobalOptions& global, CommandFn& run) {
  auto opts = std::make_shared<AuditOptions>();
  CLI::App* audit =
      app.add_subcommand("audit", "Review the audit trail: verify, show, export, report, pack");
  audit->require_subcommand(1);
  auto key_opt = [&](CLI::App* sub) {
    sub->add_option("--audit-key", opts->key,
                    "Seal key (PEM, 0600) whose public half seals must carry; default <db>.key");
  };

  CLI::App* verify = audit->add_subcommand(
      "verify", "Recompute the hash chain and check seals; exit 0 intact and sealed, 1 not");
  verify->add_option("--run", opts->run, "Report unsealed/in-flight events of this run only");
  verify->add_option("--jsonl", opts->jsonl, "Verify a JSONL export instead of the DB");
  key_opt(verify);
  verify->callback(
      [&run, &global, opts] { run = [&global, opts] { return run_verify(global, *opts); }; });

  CLI::App* show = audit->add_subcommand("show", "Print a run's steps and timeline of events");
  show->add_option("RUN", opts->run, "Run id")->required();
  show->callback(
      [&run, &global, opts] { run = [&global, opts] { return run_show(global, *opts); }; });

  CLI::App* exp = audit->add_subcommand("export", "Export events as JSONL or CSV (docs/audit.md)");
  exp->add_option("--run", opts->run, "Only this run");
  exp->add_option("--since", opts->since, "From this UTC time (2024-05-01T12:00:00Z)");
  exp->add_option("--until", opts->until, "Up to this UTC time");
  exp->add_option("--action", opts->action, "Only events of this API action");
  exp->add_option("--format", opts->format, "jsonl|csv")
      ->check(CLI::IsMember({"jsonl", "csv"}))
      ->required();
  exp->add_option("--out", opts->out, "Write here (temp file + rename) instead of stdout");
  exp->callback(
      [&run, &global, opts] { run = [&global, opts] { return run_export(global, *opts); }; });

  CLI::App* report = audit->add_subcommand("report", "Write a self-contained HTML report of a run");
  report->add_option("RUN", opts->run, "Run id")->required();
  report->add_option("--html", opts->html, "Output HTML file")->required();
  key_opt(report);
  report->callback(
      [&run, &global, opts] { run = [&global, opts] { return run_report(global, *opts); }; });

  CLI::App* pack =
      audit->add_subcommand("pack", "JSONL + CSV + HTML + SHA256SUMS of a run, for an auditor");
  pack->add_option("RUN", opts->run, "Run id")->required();
  pack->add_option("DIR", opts->dir, "Output directory")->required();
  key_opt(pack);
  pack->callback(
      [&run, &global, opts] { run = [&global, opts] { return run_pack(global, *opts); }; });
}

}  // namespace tcplan::cli
