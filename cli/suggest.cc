#include "cli/suggest.h"

#include <string_view>

#include "api/closest_name.h"

namespace tcplan::cli {
namespace {

constexpr std::size_t kMaxEdits = 2;

std::string did_you_mean(const std::string& word, const std::vector<std::string>& names) {
  std::vector<std::string_view> candidates(names.begin(), names.end());
  std::string_view best = api::closest_name(word, candidates, kMaxEdits);
  return best.empty() ? std::string() : " (did you mean '" + std::string(best) + "'?)";
}

// The option named `name` ("--yes", "-y") of `app` or, since options fall through, of a parent.
CLI::Option* find_option(CLI::App* app, const std::string& name) {
  for (; app != nullptr; app = app->get_parent()) {
    auto found = app->get_options([&name](CLI::Option* o) { return o->check_name(name); });
    if (!found.empty()) return found.front();
  }
  return nullptr;
}

std::vector<std::string> long_names(CLI::App* app) {
  std::vector<std::string> names;
  for (; app != nullptr; app = app->get_parent()) {
    for (CLI::Option* o : app->get_options()) {
      for (const auto& n : o->get_lnames())
        names.push_back("--" + n);
    }
  }
  return names;
}

std::string command_path(CLI::App* app) {
  std::string path;
  for (; app != nullptr; app = app->get_parent())
    path = app->get_name() + (path.empty() ? "" : " ") + path;
  return path;
}

}  // namespace

std::vector<std::string> rewrite_help(std::vector<std::string> args) {
  if (!args.empty() && args.front() == "help") {
    args.erase(args.begin());
    args.push_back("--help");
  }
  return args;
}

std::string unknown_name_error(CLI::App& root, const std::vector<std::string>& args) {
  CLI::App* app = &root;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") break;
    if (arg.size() > 1 && arg[0] == '-') {
      const std::string name = arg.substr(0, arg.find('='));
      if (name == "-h" || name == "--help") return {};
      CLI::Option* opt = find_option(app, name);
      if (opt == nullptr) {
        // Short flags may be bundled (-qy) and numbers are values: leave those to CLI11.
        if (name.rfind("--", 0) != 0) continue;
        return "unknown option '" + name + "' for '" + command_path(app) + "'" +
               did_you_mean(name, long_names(app)) + "; see '" + command_path(app) + " --help'";
      }
      const bool takes_value = opt->get_items_expected_max() > 0;
      if (takes_value && name.size() == arg.size() && i + 1 < args.size() &&
          (opt->get_items_expected_min() > 0 || args[i + 1].empty() || args[i + 1][0] != '-'))
        ++i;
      continue;
    }
    if (app->get_subcommands({}).empty()) continue;  // a leaf command's positional argument
    auto named = app->get_subcommands([&arg](CLI::App* s) { return s->check_name(arg); });
    if (!named.empty()) {
      app = named.front();
      continue;
    }
    std::vector<std::string> names;
    for (CLI::App* sub : app->get_subcommands({}))
      names.push_back(sub->get_name());
    return "unknown command '" + arg + "'" + did_you_mean(arg, names) + "; see '" +
           command_path(app) + " --help'";
  }
  return {};
}

}  // namespace tcplan::cli
