// Plan model helpers: kind names, step lookup, locating param values in the file.
#include "planner/plan.h"

#include <toml++/toml.h>

namespace tcplan::planner {

namespace {
constexpr std::pair<StepKind, const char*> kKinds[] = {
    {StepKind::kCreate, "create"},       {StepKind::kWait, "wait"},
    {StepKind::kScaleOut, "scale_out"},  {StepKind::kScaleIn, "scale_in"},
    {StepKind::kRestart, "restart"},     {StepKind::kTerminate, "terminate"},
    {StepKind::kScheduler, "scheduler"}, {StepKind::kCall, "call"},
};
}  // namespace

const char* to_string(StepKind kind) {
  for (const auto& [k, name] : kKinds) {
    if (k == kind) return name;
  }
  return "?";
}

std::optional<StepKind> step_kind_from(std::string_view name) {
  for (const auto& [k, n] : kKinds) {
    if (name == n) return k;
  }
  return std::nullopt;
}

const char* to_string(OnFailure f) {
  switch (f) {
    case OnFailure::kStop:
      return "stop";
    case OnFailure::kContinue:
      return "continue";
    case OnFailure::kRollback:
      return "rollback";
  }
  return "?";
}

const Step* Plan::step(std::string_view id) const {
  const int i = index_of(id);
  return i < 0 ? nullptr : &steps[static_cast<std::size_t>(i)];
}

const Group* Plan::group(std::string_view id) const {
  for (const auto& g : groups) {
    if (g.id == id) return &g;
  }
  return nullptr;
}

std::size_t Group::allowed_failures(std::size_t items) const {
  if (max_failures <= 0) return 0;
  const auto n = static_cast<std::size_t>(max_failures);
  // "10%" of 50 items tolerates 5 and stops at the 6th, as SSM documents; rounded down.
  return max_failures_percent ? n * items / 100 : n;
}

int Plan::index_of(std::string_view id) const {
  auto it = index_.find(id);
  return it == index_.end() ? -1 : it->second;
}

Location Plan::locate_key(const toml::table* table, std::string_view json_path,
                          Location fallback) const {
  if (table == nullptr) return fallback;
  const toml::table* parent = table;
  std::string_view key = json_path;
  if (const std::size_t dot = json_path.rfind('.'); dot != std::string_view::npos) {
    parent = toml::at_path(*table, json_path.substr(0, dot)).as_table();
    key = json_path.substr(dot + 1);
  }
  if (parent != nullptr) {
    for (auto&& [k, v] : *parent) {
      if (k.str() == key && k.source().begin.line > 0) {
        return Location{k.source().begin.line, k.source().begin.column};
      }
    }
  }
  return locate_in(table, json_path, fallback);
}

void Plan::rebuild_index() {
  index_.clear();
  for (std::size_t i = 0; i < steps.size(); ++i) {
    index_.emplace(steps[i].id, static_cast<int>(i));  // the first of duplicates wins
  }
}

Location Plan::locate_in(const toml::table* table, std::string_view json_path,
                         Location fallback) const {
  if (table == nullptr) return fallback;
  auto view = toml::at_path(*table, json_path);
  if (const toml::node* n = view.node()) {
    const auto& b = n->source().begin;
    if (b.line > 0) return Location{b.line, b.column};
  }
  // The value is not in the file; point at its parent when that is.
  const std::size_t cut = json_path.find_last_of(".[");
  if (cut != std::string_view::npos && cut > 0) {
    return locate_in(table, json_path.substr(0, cut), fallback);
  }
  return fallback;
}

Location Plan::locate_param(const Step& s, std::string_view json_path) const {
  return locate_in(s.params_node, json_path, s.params_at.line ? s.params_at : s.at);
}

}  // namespace tcplan::planner
