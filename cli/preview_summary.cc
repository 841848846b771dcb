#include "cli/preview_summary.h"

#include <charconv>
#include <map>
#include <vector>

#include "cli/colour.h"

namespace tcplan::cli {
namespace {

// Plan step kinds in the order a change reads: additions, changes in place, removals.
const std::vector<std::pair<std::string, std::string>>& phrases() {
  static const std::vector<std::pair<std::string, std::string>> p{
      {"create", "to create"},         {"scale_out", "to scale out"}, {"restart", "to restart"},
      {"scheduler", "to reconfigure"}, {"scale_in", "to scale in"},   {"terminate", "to terminate"},
  };
  return p;
}

std::string plain_number(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 2);
  std::string s(buf, ec == std::errc() ? end : buf);
  while (s.find('.') != std::string::npos && (s.back() == '0' || s.back() == '.')) {
    const bool dot = s.back() == '.';
    s.pop_back();
    if (dot) break;
  }
  return s;
}

}  // namespace

std::string change_counts(const planner::Preview& preview, bool colour) {
  std::map<std::string, std::size_t> by_kind;
  for (const auto& s : preview.steps)
    ++by_kind[s.kind];
  std::string out;
  auto add = [&out](const std::string& part) { out += (out.empty() ? "" : ", ") + part; };
  for (const auto& [kind, phrase] : phrases()) {
    auto n = by_kind.find(kind);
    if (n == by_kind.end()) continue;
    std::string part = std::to_string(n->second) + " " + phrase;
    if (kind == "terminate" && colour) part = paint(part, Colour::kRed);
    add(part);
    by_kind.erase(n);
  }
  std::size_t waits = 0;
  if (auto w = by_kind.find("wait"); w != by_kind.end()) {
    waits = w->second;
    by_kind.erase(w);
  }
  for (const auto& [kind, n] : by_kind)
    add(std::to_string(n) + " " + kind);
  if (out.empty()) out = "no changes";
  if (waits > 0) out += "; " + std::to_string(waits) + " wait" + (waits == 1 ? "" : "s");
  return "Plan: " + out + ".";
}

std::string budget_verdict(const planner::Preview& preview, const planner::Plan& plan) {
  if (!plan.budget) return {};
  const auto& b = *plan.budget;
  std::vector<std::string> parts;
  if (b.max_total) {
    parts.push_back(
        (preview.window_cost ? plain_number(preview.window_cost->discounted) : "unknown") + " of " +
        plain_number(*b.max_total) + " " + b.currency + " in the window");
  }
  if (b.max_hourly) {
    parts.push_back((preview.hourly ? plain_number(preview.hourly->discounted) : "unknown") +
                    " of " + plain_number(*b.max_hourly) + " " + b.currency + "/hour");
  }
  std::string out = "Budget: ";
  for (std::size_t i = 0; i < parts.size(); ++i)
    out += (i ? ", " : "") + parts[i];
  if (preview.over_budget()) return out + ": OVER BUDGET.";
  if (!preview.pricing_failures.empty()) return out + ": not checked (pricing failed).";
  if (preview.unknown_prices > 0) return out + ": not checked (prices unknown).";
  return out + ": within budget.";
}

}  // namespace tcplan::cli
