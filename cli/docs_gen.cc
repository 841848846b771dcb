#include "cli/docs_gen.h"

#include <functional>
#include <set>
#include <sstream>

#include "cli/help_text.h"

namespace tcplan::cli {
namespace {

// Commands whose positional argument is a run id; the others that take one take plan files.
const std::set<std::string> kRunCommands{"status", "unlock", "audit show", "audit report",
                                         "audit pack"};
const std::set<std::string> kPlanCommands{"validate", "plan", "apply"};

void each_command(CLI::App& app, const std::function<void(CLI::App&)>& fn) {
  for (CLI::App* sub : app.get_subcommands({})) {
    fn(*sub);
    each_command(*sub, fn);
  }
}

std::string flag_names(const CLI::App& app, bool with_values_only) {
  std::string out;
  for (const CLI::Option* o : app.get_options()) {
    if (o->get_positional() && !o->nonpositional()) continue;
    if (with_values_only && o->get_items_expected_max() == 0) continue;
    for (const auto& n : o->get_lnames())
      out += (out.empty() ? "" : " ") + ("--" + n);
    for (const auto& n : o->get_snames())
      out += (out.empty() ? "" : " ") + ("-" + n);
  }
  return out;
}

std::string roff(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '\\')
      out += "\\e";
    else if (c == '-')
      out += "\\-";
    else
      out += c;
  }
  // A line starting with . or ' would be a request.
  std::string safe;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line))
    safe += (!line.empty() && (line[0] == '.' || line[0] == '\'') ? "\\&" : "") + line + "\n";
  if (!safe.empty() && (text.empty() || text.back() != '\n')) safe.pop_back();
  return safe;
}

std::string option_label(const CLI::Option& o) {
  std::string label = o.get_name(false, true);
  if (o.get_items_expected_max() > 0 && o.nonpositional()) label += " " + o.get_type_name();
  return label;
}

}  // namespace

std::string bash_completion(CLI::App& app) {
  std::ostringstream s;
  s << "# bash completion for tcplan. Generated from the command line by tcplan_gen_docs:\n"
       "# do not edit (cli/docs_gen.cc).\n\n"
       "_tcplan_runs() {\n"
       "  local db=() i\n"
       "  for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do\n"
       "    [[ ${COMP_WORDS[i]} == --audit-db ]] && db=(--audit-db \"${COMP_WORDS[i+1]}\")\n"
       "  done\n"
       "  tcplan \"${db[@]}\" runs --output json 2>/dev/null |\n"
       "    grep -o '\"run_id\":\"[^\"]*\"' | cut -d'\"' -f4\n"
       "}\n\n"
       "_tcplan() {\n"
       "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
       "  local path='' subs='' flags='' valued='' i w\n"
       "  local globals='"
    << flag_names(app, false) << "'\n  local global_valued='" << flag_names(app, true) << "'\n";
  // Which command the words so far name: each known subcommand word extends the path.
  s << "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
       "    w=${COMP_WORDS[i]}\n"
       "    case \"$path/$w\" in\n";
  each_command(app, [&s](CLI::App& sub) {
    std::string path = command_path_of(sub);
    std::string parent = path.substr(0, path.rfind(' ') == std::string::npos ? 0 : path.rfind(' '));
    s << "      '" << parent << "/" << sub.get_name() << "') path='" << path << "' ;;\n";
  });
  s << "    esac\n  done\n  case \"$path\" in\n";
  auto subs_of = [](CLI::App& a) {
    std::string out;
    for (CLI::App* sub : a.get_subcommands({}))
      out += (out.empty() ? "" : " ") + sub->get_name();
    return out;
  };
  s << "    '') subs='" << subs_of(app) << "' ;;\n";
  each_command(app, [&](CLI::App& sub) {
    s << "    '" << command_path_of(sub) << "') subs='" << subs_of(sub) << "' flags='"
      << flag_names(sub, false) << "' valued='" << flag_names(sub, true) << "' ;;\n";
  });
  s << "  esac\n"
       "  case \"$prev\" in\n"
       "    --target) COMPREPLY=($(compgen -W 'local cloud' -- \"$cur\")); return ;;\n"
       "    --output) COMPREPLY=($(compgen -W 'table json' -- \"$cur\")); return ;;\n"
       "    --format) COMPREPLY=($(compgen -W 'table json markdown jsonl csv' -- \"$cur\")); "
       "return ;;\n"
       "    --log-format) COMPREPLY=($(compgen -W 'text json' -- \"$cur\")); return ;;\n"
       "    --log-level) COMPREPLY=($(compgen -W 'trace debug info warn error off' -- \"$cur\"));"
       " return ;;\n"
       "    --resume|--run) COMPREPLY=($(compgen -W \"$(_tcplan_runs)\" -- \"$cur\")); return ;;\n"
       "  esac\n"
       "  if [[ \" $valued $global_valued \" == *\" $prev \"* ]]; then\n"
       "    COMPREPLY=($(compgen -f -- \"$cur\")); return\n"
       "  fi\n"
       "  if [[ $cur == -* ]]; then\n"
       "    COMPREPLY=($(compgen -W \"$flags $globals\" -- \"$cur\")); return\n"
       "  fi\n"
       "  if [[ -n $subs ]]; then\n"
       "    COMPREPLY=($(compgen -W \"$subs\" -- \"$cur\")); return\n"
       "  fi\n"
       "  case \"$path\" in\n    ";
  bool first = true;
  for (const auto& c : kRunCommands) {
    s << (first ? "" : "|") << "'" << c << "'";
    first = false;
  }
  s << ") COMPREPLY=($(compgen -W \"$(_tcplan_runs)\" -- \"$cur\")) ;;\n    ";
  first = true;
  for (const auto& c : kPlanCommands) {
    s << (first ? "" : "|") << "'" << c << "'";
    first = false;
  }
  s << ")\n      compopt -o filenames 2>/dev/null\n"
       "      COMPREPLY=($(compgen -d -- \"$cur\"))\n"
       "      while IFS= read -r w; do\n"
       "        [[ $w == *.toml || $w == *.json ]] && COMPREPLY+=(\"$w\")\n"
       "      done < <(compgen -f -- \"$cur\")\n"
       "      ;;\n"
       "    *) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
       "  esac\n"
       "}\n"
       "complete -F _tcplan tcplan\n";
  return s.str();
}

std::string man_page(CLI::App& app) {
  std::ostringstream s;
  s << ".\\\" Generated from the command line by tcplan_gen_docs: do not edit (cli/docs_gen.cc).\n"
    << ".TH TCPLAN 1 \"\" \"tcplan " << TCPLAN_VERSION << "\" \"User Commands\"\n"
    << ".SH NAME\ntcplan \\- validate, price and run change plans against Tencent Cloud\n"
    << ".SH SYNOPSIS\n.B tcplan\n[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]\n"
    << ".SH DESCRIPTION\n"
    << roff(app.get_description()) << "\n"
    << ".SH GLOBAL OPTIONS\nGlobal options may come before or after the command.\n";
  for (const CLI::Option* o : app.get_options()) {
    s << ".TP\n.B " << roff(option_label(*o)) << "\n" << roff(o->get_description()) << "\n";
  }
  s << ".SH COMMANDS\n";
  each_command(app, [&s](CLI::App& sub) {
    s << ".SS \"tcplan " << command_path_of(sub) << "\"\n" << roff(sub.get_description()) << "\n";
    for (const CLI::Option* o : sub.get_options()) {
      if (o->get_lnames().size() == 1 && o->get_lnames().front() == "help") continue;
      s << ".TP\n.B " << roff(option_label(*o)) << "\n" << roff(o->get_description()) << "\n";
    }
    std::string footer = sub.get_footer();
    auto globals = footer.find("Global options");
    if (globals != std::string::npos) footer.erase(globals);
    if (!footer.empty()) s << ".PP\n.nf\n" << roff(footer) << ".fi\n";
  });
  s << ".SH EXIT STATUS\n"
    << roff(app.get_footer().substr(0, app.get_footer().find('\n')))
    << "\n.SH ENVIRONMENT\n.TP\n.B TCPLAN_AUDIT_DB\nThe audit trail when \\-\\-audit\\-db is not "
       "given.\n.TP\n.B XDG_STATE_HOME\nWhere the default state lives (tcplan/ under it).\n"
       ".TP\n.B TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY, TENCENTCLOUD_TOKEN\n"
       "Credentials for \\-\\-target cloud and \\-\\-endpoint.\n.TP\n.B NO_COLOR\n"
       "When set and not empty, no colour on terminals.\n"
       ".SH FILES\n.TP\n.I ~/.local/state/tcplan/audit.db\nThe default audit trail; beside it "
       "its seal key (audit.db.key), witness and the embedded emulator's state.\n"
       ".SH SEE ALSO\nREADME.md, docs/ in the source tree.\n";
  return s.str();
}

}  // namespace tcplan::cli
