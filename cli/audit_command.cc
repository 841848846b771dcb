// `tcplan audit verify|show|export|report|pack`: the compliance reviewer's commands. Each one
// reads the trail, prints or publishes (temp file + rename, mode 0600 unless --mode), then
// records the read as an event. The logic lives in audit/; this file parses flags and prints.
#include <sys/types.h>

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
#include "audit/witness.h"
#include "base/atomic_file.h"
#include "base/redact.h"
#include "base/result.h"
#include "base/time.h"
#include "cli/audit_json.h"
#include "cli/command.h"
#include "cli/output_json.h"
#include "cli/trail.h"

namespace tcplan::cli {
namespace {

namespace au = tcplan::audit;

struct AuditOptions {
  std::string key;  // --audit-key; empty: "<db>.key" when it exists
  std::string run;
  std::string jsonl;
  std::string pack_dir;  // verify --pack
  std::vector<std::string> expect_heads;
  std::string since, until, action, format = "jsonl", out;
  std::string html;
  std::string dir;
  std::string mode = "0600";
};

std::filesystem::path key_path(const GlobalOptions& g, const AuditOptions& o) {
  return o.key.empty() ? au::default_key_path(g.audit_db) : std::filesystem::path(o.key);
}

// The public key seals must carry: the key file's, when there is one to trust.
base::Result<std::string> trusted_key(const GlobalOptions& g, const AuditOptions& o) {
  std::filesystem::path path = key_path(g, o);
  std::error_code ec;
  if (o.key.empty() && !std::filesystem::exists(path, ec)) return std::string();
  auto key = au::SealKey::load(path);
  if (!key) return key.error();
  return key->public_key_hex();
}

// What the trail must still reach: the witness (--audit-witness, else the default one when
// it exists) and every --expect-head. A witness named but missing is an error: deleting the
// witness must not be a way to switch the check off.
base::Result<std::vector<au::Anchor>> anchors(const GlobalOptions& g, const AuditOptions& o,
                                              bool default_witness = true) {
  std::vector<au::Anchor> out;
  std::filesystem::path path = g.audit_witness;
  if (path.empty() && default_witness) {
    path = au::default_witness_path(g.audit_db, key_path(g, o));
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) path.clear();
  }
  if (!path.empty()) {
    au::FileWitness witness(path);
    auto state = witness.read();
    if (!state) return state.error();
    if (!*state) return base::Error{witness.describe() + " does not exist"};
    out.push_back(au::Anchor{witness.describe(), (*state)->seq, (*state)->hash, (*state)->counter});
  }
  for (const auto& text : o.expect_heads) {
    auto a = au::parse_expected_head(text);
    if (!a) return a.error();
    out.push_back(*a);
  }
  return out;
}

base::Result<mode_t> file_mode(const std::string& text) {
  if (text.empty() || text.size() > 4 || text.find_first_not_of("01234567") != std::string::npos) {
    return base::Error{"--mode " + text + ": expected octal permissions such as 0600 or 0640"};
  }
  return static_cast<mode_t>(std::stoul(text, nullptr, 8));
}

base::Result<std::string> read_whole(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return base::Error{"cannot read " + path};
  std::string text;
  char buf[65536];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;)
    text.append(buf, n);
  std::fclose(f);
  return text;
}

int run_verify_pack(const AuditOptions& o, const std::string& trusted) {
  auto check = au::verify_pack(o.pack_dir, trusted);
  if (!check) return fail(check.error().message);
  std::fputs(base::printable_lines(au::describe(*check)).c_str(), stdout);
  if (trusted.empty() && check->ok()) {
    std::printf(
        "note: no trusted key given (--audit-key): compare the key fingerprint above "
        "with the one you hold\n");
  }
  return check->ok() ? kExitOk : kExitFailed;
}

int run_verify(const GlobalOptions& g, const AuditOptions& o) {
  au::VerifyOptions vo;
  vo.run_id = o.run;
  // A pack or an export on its own: the key is pinned only when one is named.
  bool standalone = !o.jsonl.empty() || !o.pack_dir.empty();
  auto trusted =
      standalone && o.key.empty() ? base::Result<std::string>(std::string()) : trusted_key(g, o);
  if (!trusted) return fail(trusted.error().message);
  vo.trusted_public_key = *trusted;
  if (!o.pack_dir.empty()) return run_verify_pack(o, *trusted);
  auto anchored = anchors(g, o, !standalone);
  if (!anchored) return fail(anchored.error().message);
  vo.anchors = *anchored;
  au::VerifyReport report;
  if (!o.jsonl.empty()) {
    // An export on its own: no DB is read or written.
    auto text = read_whole(o.jsonl);
    if (!text) return fail(text.error().message);
    auto events = au::parse_jsonl(*text);
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
                          {"sealed", report.sealed()},
                          {"anchored", report.anchored}};
    record_trail_access(**store, au::EventKind::kTrailRead, o.run, d);
  }
  if (g.output == "json") {
    print_json(verify_json(report));
    return report.ok() ? kExitOk : kExitFailed;
  }
  std::fputs(base::printable_lines(au::describe(report)).c_str(), stdout);
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
  if (g.output == "json") {
    print_json(show_json(run, *events));
    record_trail_access(**store, au::EventKind::kTrailRead, o.run,
                        {{"command", "audit show"}, {"run", o.run}});
    return kExitOk;
  }
  // Step ids come from plans, codes and RequestIds from servers: escaped before printing.
  auto p = [](const std::string& s) { return base::printable(s); };
  std::printf("run %s: %s, %s@%s, %s\n", p(run.run_id).c_str(), p(run.status).c_str(),
              p(run.operator_user).c_str(), p(run.operator_host).c_str(),
              p(run.tool_version).c_str());
  std::printf("started %s  finished %s  sealed %s\n", base::format_utc_ms(run.started_ms).c_str(),
              run.finished_ms ? base::format_utc_ms(run.finished_ms).c_str() : "-",
              run.sealed ? "yes" : "no");
  for (const auto& s : run.steps) {
    std::printf("step %-24s %-10s attempts %lld retries %lld%s%s\n", p(s.step_id).c_str(),
                p(s.status).c_str(), static_cast<long long>(s.attempts),
                static_cast<long long>(s.retries), s.last_error.empty() ? "" : "  last error ",
                p(s.last_error).c_str());
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
    std::printf("%s\n", p(line).c_str());
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
                   base::printable(*text).c_str());
      return kExitUsage;
    }
    *slot = *t;
  }
  auto mode = file_mode(o.mode);
  if (!mode) {
    std::fprintf(stderr, "error: %s\n", mode.error().message.c_str());
    return kExitUsage;
  }
  auto store = open_existing_trail(g.audit_db);
  if (!store) return fail(store.error().message);
  auto events = (*store)->query(q);
  if (!events) return fail(events.error().message);
  // Rows are exported exactly as stored (they were redacted before they were hashed, and
  // any change would break the chain an auditor recomputes).
  std::string text = au::export_events(
      *events, o.format == "csv" ? au::ExportFormat::kCsv : au::ExportFormat::kJsonl);
  if (o.out.empty() || o.out == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
  } else if (auto w = base::write_file_atomically(o.out, text, *mode); !w) {
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
  auto mode = file_mode(o.mode);
  if (!mode) {
    std::fprintf(stderr, "error: %s\n", mode.error().message.c_str());
    return kExitUsage;
  }
  auto store = open_existing_trail(g.audit_db);
  if (!store) return fail(store.error().message);
  auto events = (*store)->run_events(o.run);
  if (!events) return fail(events.error().message);
  if (events->empty()) return fail("no run " + o.run + " in " + g.audit_db);
  auto trusted = trusted_key(g, o);
  if (!trusted) return fail(trusted.error().message);
  auto anchored = anchors(g, o);
  if (!anchored) return fail(anchored.error().message);
  au::VerifyOptions vo;
  vo.run_id = o.run;
  vo.trusted_public_key = *trusted;
  vo.anchors = *anchored;
  auto chain = au::verify_store(**store, vo);
  if (!chain) return fail(chain.error().message);
  std::string html = au::render_html_report(au::project_run(*events), *events, *chain);
  if (auto w = base::write_file_atomically(o.html, html, *mode); !w) {
    return fail(w.error().message);
  }
  record_trail_access(
      **store, au::EventKind::kTrailExported, o.run,
      {{"command", "audit report"}, {"file", o.html}, {"sha256", api::sha256_hex(html)}});
  std::printf("wrote %s (chain %s)\n", base::printable(o.html).c_str(),
              chain->intact() ? "intact" : "NOT INTACT");
  // The report is written either way (it shows the break); the exit code says it.
  return chain->intact() ? kExitOk : kExitFailed;
}

int run_pack(const GlobalOptions& g, const AuditOptions& o) {
  auto mode = file_mode(o.mode);
  if (!mode) {
    std::fprintf(stderr, "error: %s\n", mode.error().message.c_str());
    return kExitUsage;
  }
  auto store = open_existing_trail(g.audit_db);
  if (!store) return fail(store.error().message);
  auto key = au::SealKey::load(key_path(g, o));
  if (!key) return fail("the pack is signed with the seal key: " + key.error().message);
  auto anchored = anchors(g, o);
  if (!anchored) return fail(anchored.error().message);
  au::PackOptions po;
  po.signer = &*key;
  po.trusted_public_key = key->public_key_hex();
  po.anchors = *anchored;
  po.mode = *mode;
  auto files = au::pack_run(**store, o.run, o.dir, po);
  if (!files) return fail(files.error().message);
  for (const auto& f : *files)
    std::printf("%s  %s\n", f.sha256.c_str(), f.name.c_str());
  std::printf(
      "wrote %s (manifest.json signed by key %s; check it with `tcplan audit verify "
      "--pack %s`)\n",
      base::printable(o.dir).c_str(), key->fingerprint().c_str(), base::printable(o.dir).c_str());
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
  auto mode_opt = [&](CLI::App* sub) {
    sub->add_option("--mode", opts->mode, "Permissions of the files written (octal)")
        ->capture_default_str();
  };

  CLI::App* verify = audit->add_subcommand(
      "verify",
      "Recompute the hash chain, check seals and the witness; exit 0 intact and sealed, 1 not");
  verify->add_option("--run", opts->run, "Report unsealed/in-flight events of this run only");
  verify->add_option("--jsonl", opts->jsonl, "Verify a JSONL export instead of the DB");
  verify->add_option("--pack", opts->pack_dir,
                     "Verify an evidence pack (signature, digests, unbroken rows)");
  verify->add_option("--expect-head", opts->expect_heads,
                     "The trail must contain this event: HASH or SEQ:HASH (e.g. from a ticket)");
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
  mode_opt(exp);
  exp->callback(
      [&run, &global, opts] { run = [&global, opts] { return run_export(global, *opts); }; });

  CLI::App* report = audit->add_subcommand("report", "Write a self-contained HTML report of a run");
  report->add_option("RUN", opts->run, "Run id")->required();
  report->add_option("--html", opts->html, "Output HTML file")->required();
  report->add_option("--expect-head", opts->expect_heads, "As for verify: HASH or SEQ:HASH");
  key_opt(report);
  mode_opt(report);
  report->callback(
      [&run, &global, opts] { run = [&global, opts] { return run_report(global, *opts); }; });

  CLI::App* pack = audit->add_subcommand(
      "pack", "A signed evidence pack of a run: JSONL, CSV, HTML report, signed manifest");
  pack->add_option("RUN", opts->run, "Run id")->required();
  pack->add_option("DIR", opts->dir, "Output directory")->required();
  key_opt(pack);
  mode_opt(pack);
  pack->callback(
      [&run, &global, opts] { run = [&global, opts] { return run_pack(global, *opts); }; });
}

}  // namespace tcplan::cli
