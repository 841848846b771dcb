// Diagnostics: collection and rendering with the source line and a caret.
#include "planner/diagnostics.h"

#include <algorithm>
#include <cctype>

#include "api/closest_name.h"

namespace tcplan::planner {

void Diagnostics::error(Location where, std::string message) {
  all_.push_back(Diagnostic{Severity::kError, where, std::move(message)});
  ++errors_;
}

void Diagnostics::warning(Location where, std::string message) {
  all_.push_back(Diagnostic{Severity::kWarning, where, std::move(message)});
}

std::string Diagnostics::headline(const Diagnostic& d) const {
  std::string out = file_;
  if (d.where.line > 0) {
    out += ":" + std::to_string(d.where.line) + ":" + std::to_string(d.where.column);
  }
  out += d.severity == Severity::kError ? ": error: " : ": warning: ";
  out += d.message;
  return out;
}

namespace {

// The text of 1-based line `n`, or empty when the source does not have it.
std::string_view source_line(std::string_view source, std::uint32_t n) {
  std::size_t start = 0;
  for (std::uint32_t i = 1; i < n; ++i) {
    const std::size_t nl = source.find('\n', start);
    if (nl == std::string_view::npos) return {};
    start = nl + 1;
  }
  std::size_t end = source.find('\n', start);
  if (end == std::string_view::npos) end = source.size();
  std::string_view line = source.substr(start, end - start);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

std::string Diagnostics::render() const {
  std::vector<const Diagnostic*> order;
  order.reserve(all_.size());
  for (const auto& d : all_)
    order.push_back(&d);
  std::stable_sort(order.begin(), order.end(), [](const Diagnostic* a, const Diagnostic* b) {
    if (a->severity != b->severity) return a->severity == Severity::kError;
    if (a->where.line != b->where.line) return a->where.line < b->where.line;
    return a->where.column < b->where.column;
  });
  std::string out;
  for (const Diagnostic* d : order) {
    out += headline(*d);
    out += '\n';
    if (d->where.line == 0) continue;
    std::string_view line = source_line(source_, d->where.line);
    // Very long lines (minified input) are cut so a message stays readable.
    constexpr std::size_t kMaxShown = 160;
    if (line.empty() || d->where.column > kMaxShown) continue;
    if (line.size() > kMaxShown) line = line.substr(0, kMaxShown);
    out += "  ";
    out += line;
    out += "\n  ";
    // Keep tabs so the caret lines up under tab-indented text.
    for (std::uint32_t i = 1; i < d->where.column && i - 1 < line.size(); ++i) {
      out += line[i - 1] == '\t' ? '\t' : ' ';
    }
    out += "^\n";
  }
  return out;
}

// Optimal string alignment distance: a swap of two neighbours ("grwo") counts as one edit.
std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates) {
  // A third of the word, at least 1 and at most 3 edits: catches typos, not unrelated names.
  const std::size_t limit = std::clamp<std::size_t>(word.size() / 3, 1, 3);
  const std::string_view best = api::closest_name(word, candidates, limit);
  if (best.empty()) return {};
  return " (did you mean '" + std::string(best) + "'?)";
}

}  // namespace tcplan::planner
