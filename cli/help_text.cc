#include "cli/help_text.h"

#include <map>

namespace tcplan::cli {
namespace {

// Examples (and notes after them) by command path.
const std::map<std::string, std::string>& catalogue() {
  static const std::map<std::string, std::string> text{
      {"validate",
       "  tcplan validate plans/lifecycle.toml\n"
       "  tcplan validate -q plans/*.toml   # CI: print problems only\n"},
      {"plan",
       "  tcplan plan plans/nightly-etl-scale.toml --now 2026-11-24T01:05:00+08:00  # rehearse\n"
       "  tcplan plan plans/lifecycle.toml --format markdown > change-ticket.md\n"
       "  tcplan plan plans/lifecycle.toml --out saved.json && tcplan apply saved.json --yes\n"
       "  tcplan plan plans/fleet-window.toml --out fleet.json   # then: tcplan approve\n"},
      {"approve",
       "  tcplan approve fleet.json --key ~/.tcplan/alice.key --ticket CHG-1234 --expires 4h\n"
       "  tcplan apply fleet.json --approvals fleet.json.approvals --yes\n"
       "A key is any Ed25519 PEM private key, e.g. `openssl genpkey -algorithm ed25519 -out K`\n"
       "(then chmod 600 K); the plan's [approval] approvers lists the fingerprints it accepts.\n"},
      {"apply",
       "  tcplan apply plans/lifecycle.toml --resume     # the latest unfinished run\n"
       "  tcplan apply fleet.json --approvals fleet.json.approvals --yes\n"
       "  tcplan apply plans/create-cluster.toml --yes --new-run   # again, on purpose\n"
       "  tcplan apply plans/hdfs-rolling-restart.toml --yes --wait-lock 10m  # queue\n"
       "Ctrl-C stops cleanly (exit 130, resumable); a second Ctrl-C abandons calls in flight.\n"},
      {"runs",
       "  tcplan runs\n"
       "  tcplan runs --output json\n"
       "  tcplan runs --audit-db /srv/tcplan/audit.db\n"},
      {"status",
       "  tcplan status run-20261124T010000Z-1a2b3c\n"
       "  tcplan status run-20261124T010000Z-1a2b3c --output json\n"},
      {"unlock",
       "  tcplan unlock run-20261124T010000Z-1a2b3c\n"
       "  tcplan status run-20261124T010000Z-1a2b3c   # which locks it holds, first\n"},
      {"audit",
       "  tcplan audit verify\n"
       "  tcplan audit verify --expect-head 4711:<hash from the change ticket>\n"
       "  tcplan audit pack RUN evidence/ && tcplan audit verify --pack evidence/\n"
       "Seals are witnessed outside the trail (--audit-witness, default <key "
       "dir>/<db>.witness).\n"},
      {"audit verify",
       "  tcplan audit verify\n"
       "  tcplan audit verify --run run-20261124T010000Z-1a2b3c\n"
       "  tcplan audit verify --pack evidence/\n"},
      {"audit show",
       "  tcplan audit show run-20261124T010000Z-1a2b3c\n"
       "  tcplan audit show run-20261124T010000Z-1a2b3c | less\n"},
      {"audit export",
       "  tcplan audit export --format jsonl > trail.jsonl\n"
       "  tcplan audit export --format csv --since 2026-11-24 --action ScaleOutInstance\n"},
      {"audit report",
       "  tcplan audit report run-20261124T010000Z-1a2b3c --html report.html\n"
       "  tcplan audit report RUN --html report.html --expect-head 4711:<hash>\n"},
      {"audit pack",
       "  tcplan audit pack run-20261124T010000Z-1a2b3c evidence/\n"
       "  tcplan audit verify --pack evidence/\n"},
      {"audit init",
       "  tcplan audit init postgresql://dba@db.example.com/tcplan\n"
       "  tcplan audit init service=tcplan-admin --writer-role ops_writer\n"
       "Then GRANT the roles to login roles; operators use --audit-db postgresql://... "
       "(docs/team.md).\n"},
      {"audit copy",
       "  tcplan audit copy ~/.local/state/tcplan/audit.db postgresql://db.example.com/tcplan\n"
       "  tcplan audit copy service=tcplan archive-2026.db\n"
       "The source is verified first; `tcplan audit verify` passes on both ends.\n"},
      {"call",
       "  tcplan call emr DescribeInstances --params '{\"DisplayStrategy\":\"clusterList\"}'\n"
       "  tcplan call cvm DescribeInstances --region ap-shanghai --target cloud\n"
       "  tcplan call emr CreateInstance --params @create.json  # \"${env.EMR_PASSWORD}\" inside\n"
       "The call is recorded in the audit trail (--audit-db) and sealed, like a run of apply.\n"},
      {"emulator",
       "  tcplan emulator --listen 127.0.0.1:8080\n"
       "  tcplan emulator --state emu.db --fixture plans/fixtures/fleet.toml --time-scale 60\n"
       "  tcplan --endpoint http://127.0.0.1:8080 plan plans/lifecycle.toml\n"},
  };
  return text;
}

std::string global_options_line(const CLI::App& root) {
  std::string line = "Global options (before or after the command; see tcplan --help):";
  std::size_t width = line.size();
  for (const CLI::Option* o : root.get_options()) {
    if (o->get_lnames().empty() || o->get_lnames().front() == "help" ||
        o->get_lnames().front() == "version")
      continue;
    std::string name = " --" + o->get_lnames().front();
    if (width + name.size() > 92) {
      line += "\n ";
      width = 1;
    }
    line += name;
    width += name.size();
  }
  return line + "\n";
}

void walk(CLI::App& app, const std::string& globals, std::vector<std::string>& missing) {
  for (CLI::App* sub : app.get_subcommands({})) {
    const std::string path = command_path_of(*sub);
    auto found = catalogue().find(path);
    if (found == catalogue().end()) {
      missing.push_back(path);
      sub->footer(globals);
    } else {
      sub->footer("Examples:\n" + found->second + globals);
    }
    walk(*sub, globals, missing);
  }
}

}  // namespace

std::string command_path_of(const CLI::App& sub) {
  std::string path;
  for (const CLI::App* a = &sub; a != nullptr && a->get_parent() != nullptr; a = a->get_parent())
    path = a->get_name() + (path.empty() ? "" : " ") + path;
  return path;
}

std::vector<std::string> add_help_footers(CLI::App& app) {
  std::vector<std::string> missing;
  walk(app, global_options_line(app), missing);
  return missing;
}

}  // namespace tcplan::cli
