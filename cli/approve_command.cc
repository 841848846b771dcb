// `tcplan approve SAVED --key KEY [--ticket ID] [--expires 4h|TIME] [--approver NAME]
// [--out DIR]`: what the person who reviews a change runs. It shows what the saved plan will
// do and signs its plan and price digests with the approver's own Ed25519 key, their name,
// a ticket id and an expiry, into DIR/<key fingerprint>.json (default DIR: SAVED.approvals),
// for `tcplan apply SAVED --approvals DIR`. The signing and the file format are
// executor/approvals.h; nothing is sent anywhere and the trail is not touched (the approval
// becomes an audit event when apply counts it). --output json prints the approval written
// (docs/schemas/approval.schema.json); what is shown for review goes to stderr then.
#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "audit/event_store.h"
#include "audit/seal.h"
#include "base/atomic_file.h"
#include "base/duration.h"
#include "base/time.h"
#include "cli/command.h"
#include "cli/output_json.h"
#include "executor/approvals.h"
#include "executor/saved_plan.h"

namespace tcplan::cli {

namespace {

namespace ex = tcplan::executor;
namespace json = boost::json;

struct ApproveArgs {
  std::string saved;
  std::string key;
  std::string ticket;
  std::string expires = "24h";
  std::string approver;
  std::string out;
};

std::string text_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// What the approver is signing, from the saved plan itself: its steps (each for_each item),
// its prices and its window verdict when it was saved.
void show(FILE* f, const ex::SavedPlan& saved, const ex::SavedPlanDigests& d) {
  const json::object& p = saved.preview;
  const json::value* plan = p.if_contains("plan");
  std::fprintf(f, "saved plan of %s (%s), prices read %s\n",
               plan && plan->is_object() ? text_at(plan->as_object(), "name").c_str() : "?",
               saved.plan_file.c_str(), saved.fetched_at.c_str());
  if (const json::value* steps = p.if_contains("steps"); steps && steps->is_array()) {
    for (const auto& s : steps->as_array()) {
      if (!s.is_object()) continue;
      const auto& o = s.as_object();
      std::size_t items = 0;
      if (const auto* it = o.if_contains("items"); it && it->is_array())
        items = it->as_array().size();
      std::fprintf(f, "  %-24s %-10s %s %s%s\n", text_at(o, "id").c_str(),
                   text_at(o, "kind").c_str(), text_at(o, "service").c_str(),
                   text_at(o, "action").c_str(),
                   items ? (" x" + std::to_string(items)).c_str() : "");
      if (const auto* it = o.if_contains("items"); it && it->is_array()) {
        for (const auto& i : it->as_array())
          if (i.is_object()) std::fprintf(f, "      %s\n", text_at(i.as_object(), "label").c_str());
      }
    }
  }
  if (const json::value* total = p.if_contains("total"); total && total->is_object()) {
    std::fprintf(f, "total: %s\n", json::serialize(*total).c_str());
  }
  if (const json::value* pr = p.if_contains("predicted"); pr && pr->is_object()) {
    if (const auto* w = pr->as_object().if_contains("window"); w && w->is_object())
      std::fprintf(f, "change window when saved: %s\n", text_at(w->as_object(), "text").c_str());
  }
  std::fprintf(f, "plan digest %s\nprice digest %s\n", d.plan.c_str(), d.prices.c_str());
}

int run_approve(const ApproveArgs& args, const GlobalOptions& global) {
  const bool json_out = global.output == "json";
  FILE* info = json_out ? stderr : stdout;
  std::ostringstream text;
  std::ifstream in(args.saved, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "%s: error: cannot read the saved plan\n", args.saved.c_str());
    return kExitUsage;
  }
  text << in.rdbuf();
  auto saved = ex::parse_saved_plan(text.str());
  if (!saved) {
    std::fprintf(stderr, "%s: error: %s\n", args.saved.c_str(), saved.error().message.c_str());
    return kExitUsage;
  }
  auto key = audit::SealKey::load(args.key);
  if (!key) {
    std::fprintf(stderr, "error: approver key: %s\n", key.error().message.c_str());
    return kExitUsage;
  }
  const auto now = std::chrono::system_clock::now();
  base::SysTime expires;
  if (auto d = base::parse_duration(args.expires)) {
    expires = now + *d;
  } else if (auto t = base::parse_rfc3339(args.expires)) {
    expires = *t;
  } else {
    std::fprintf(stderr, "error: --expires '%s' is neither a duration (4h) nor a time\n",
                 args.expires.c_str());
    return kExitUsage;
  }
  if (expires <= now) {
    std::fprintf(stderr, "error: --expires %s is not in the future\n", args.expires.c_str());
    return kExitUsage;
  }
  const std::string approver = args.approver.empty() ? audit::current_os_user() : args.approver;
  const ex::SavedPlanDigests digests = ex::saved_plan_digests(*saved);
  show(info, *saved, digests);
  auto approval = ex::make_approval(*saved, *key, approver, args.ticket, now, expires);
  if (!approval) {
    std::fprintf(stderr, "error: %s\n", approval.error().message.c_str());
    return kExitFailed;
  }
  const std::filesystem::path dir = args.out.empty() ? args.saved + ".approvals" : args.out;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "error: cannot create %s: %s\n", dir.c_str(), ec.message().c_str());
    return kExitFailed;
  }
  const auto file = dir / (approval->key_fingerprint + ".json");
  auto written =
      base::write_file_atomically(file, json::serialize(ex::approval_json(*approval)) + "\n", 0644);
  if (!written) {
    std::fprintf(stderr, "error: %s\n", written.error().message.c_str());
    return kExitFailed;
  }
  std::fprintf(info, "approved by %s (key %s)%s, expires %s\nwritten to %s\n", approver.c_str(),
               approval->key_fingerprint.c_str(),
               args.ticket.empty() ? "" : (", ticket " + args.ticket).c_str(),
               approval->expires_at.c_str(), file.c_str());
  if (json_out) print_json(ex::approval_json(*approval));
  return kExitOk;
}

}  // namespace

void add_approve_command(CLI::App& app, const GlobalOptions& global, CommandFn& run) {
  auto args = std::make_shared<ApproveArgs>();
  CLI::App* cmd = app.add_subcommand(
      "approve", "Sign a saved plan with your own key, for `tcplan apply SAVED --approvals DIR`");
  cmd->add_option("SAVED", args->saved, "Saved plan (tcplan plan --out)")->required();
  cmd->add_option("--key", args->key, "Your Ed25519 private key (PEM, mode 0600)")->required();
  cmd->add_option("--ticket", args->ticket, "The change ticket this approval is given under");
  cmd->add_option("--expires", args->expires,
                  "How long the approval holds (a duration, or an RFC 3339 time)")
      ->capture_default_str();
  cmd->add_option("--approver", args->approver, "Your name (default: your OS user name)");
  cmd->add_option("--out", args->out,
                  "Directory to write the approval to (default SAVED.approvals)");
  cmd->callback(
      [args, &global, &run] { run = [args, &global] { return run_approve(*args, global); }; });
}

}  // namespace tcplan::cli
