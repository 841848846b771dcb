#include "executor/summary.h"

#include <boost/json.hpp>
#include <cstdio>

#include "base/duration.h"

namespace tcplan::executor {

namespace json = boost::json;

namespace {

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string money(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::string detail_of(const StepReport& s) {
  for (const auto& i : s.items) {
    if (!i.detail.empty() && i.status != ItemState::kSucceeded) return i.detail;
  }
  for (const auto& i : s.items) {
    if (!i.detail.empty()) return i.detail;
  }
  return {};
}

// The step's duration in the target's time, comparable with the prediction.
std::chrono::milliseconds actual(const StepReport& s, const SummaryCosts& costs) {
  return std::chrono::milliseconds{
      static_cast<std::int64_t>(static_cast<double>(s.duration().count()) * costs.time_scale)};
}

void table_rows(const std::vector<StepReport>& steps, const SummaryCosts& costs,
                const std::string& prefix, std::string& out) {
  for (const auto& s : steps) {
    std::string cost = "-";
    if (auto c = costs.window_cost.find(s.id); c != costs.window_cost.end()) {
      cost = money(c->second) + " " + costs.currency;
    } else if (auto h = costs.hourly.find(s.id); h != costs.hourly.end()) {
      cost = money(h->second) + " " + costs.currency + "/hour";
    }
    std::string id = prefix + s.id;
    if (s.items.size() > 1) id += " (x" + std::to_string(s.items.size()) + ")";
    std::string predicted = "-";
    if (auto p = costs.predicted.find(s.id); p != costs.predicted.end() && prefix.empty()) {
      predicted = base::format_elapsed(p->second, true);
    }
    out += pad(id, 24) + " " + pad(std::string(to_string(s.status())), 12) + " " +
           pad(base::format_elapsed(actual(s, costs)), 10) + " " + pad(predicted, 10) + " " +
           pad(std::to_string(s.attempts()), 8) + " " + cost + "\n";
    std::string detail = detail_of(s);
    if (!detail.empty()) out += "    " + detail + "\n";
  }
}

json::object step_json(const StepReport& s, const SummaryCosts& costs) {
  json::object o{{"id", s.id},
                 {"kind", s.kind},
                 {"status", to_string(s.status())},
                 {"duration_ms", s.duration().count()},
                 {"actual_ms", actual(s, costs).count()},
                 {"attempts", s.attempts()}};
  if (auto p = costs.predicted.find(s.id); p != costs.predicted.end()) {
    o["predicted_ms"] = p->second.count();
  } else {
    o["predicted_ms"] = nullptr;
  }
  if (auto c = costs.window_cost.find(s.id); c != costs.window_cost.end()) {
    o["predicted_cost"] = c->second;
  } else {
    o["predicted_cost"] = nullptr;
  }
  if (auto h = costs.hourly.find(s.id); h != costs.hourly.end()) {
    o["predicted_hourly"] = h->second;
  } else {
    o["predicted_hourly"] = nullptr;
  }
  json::array items;
  for (const auto& i : s.items) {
    json::object io{{"status", to_string(i.status)},
                    {"attempts", i.attempts},
                    {"duration_ms", i.duration.count()},
                    {"explain", i.explanation}};
    if (!i.detail.empty()) io["detail"] = i.detail;
    if (!i.outputs.is_null()) io["outputs"] = i.outputs;
    items.push_back(std::move(io));
  }
  o["items"] = std::move(items);
  return o;
}

// "group rollout: 197 of 200 items succeeded, 2 failed, 1 not started", why it stopped, and
// which items did what (a few lines each; --output json lists every item).
void group_rows(const GroupReport& g, std::string& out) {
  constexpr std::size_t kLines = 20;
  const std::size_t total = g.items.size();
  out += "group " + g.id + ": " + std::to_string(g.succeeded) + " of " + std::to_string(total) +
         " items succeeded";
  if (g.failed) out += ", " + std::to_string(g.failed) + " failed";
  if (g.interrupted) out += ", " + std::to_string(g.interrupted) + " interrupted";
  if (g.not_started) out += ", " + std::to_string(g.not_started) + " not started";
  out += "\n";
  if (!g.stopped.empty()) out += "    stopped: " + g.stopped + "\n";
  std::size_t shown = 0, failed = 0;
  for (std::size_t i = 0; i < total; ++i) {
    const GroupItemReport& item = g.items[i];
    if (item.status != ItemState::kFailed && item.status != ItemState::kInterrupted) continue;
    ++failed;
    if (shown == kLines) continue;
    ++shown;
    out += "    " + std::string(to_string(item.status)) + ": item " + std::to_string(i) + " (" +
           item.item + ")" + (item.step.empty() ? "" : " at " + item.step) +
           (item.detail.empty() ? "" : ": " + item.detail) + "\n";
  }
  if (failed > shown) {
    out += "    ... and " + std::to_string(failed - shown) + " more (--output json lists each)\n";
  }
  if (g.not_started > 0) {
    std::string names;
    std::size_t listed = 0;
    for (const auto& item : g.items) {
      if (item.status != ItemState::kSkipped) continue;
      if (listed++ < 10) names += (names.empty() ? "" : ", ") + item.item;
    }
    if (listed > 10) names += ", ... (" + std::to_string(listed - 10) + " more)";
    out += "    not started: " + names + "\n";
  }
}

json::object group_json(const GroupReport& g) {
  json::array items;
  for (std::size_t i = 0; i < g.items.size(); ++i) {
    const auto& item = g.items[i];
    json::object o{{"index", i}, {"item", item.item}, {"status", to_string(item.status)}};
    if (!item.step.empty()) o["step"] = item.step;
    if (!item.detail.empty()) o["detail"] = item.detail;
    items.push_back(std::move(o));
  }
  json::object o{{"id", g.id},
                 {"succeeded", g.succeeded},
                 {"failed", g.failed},
                 {"interrupted", g.interrupted},
                 {"not_started", g.not_started},
                 {"items", std::move(items)}};
  if (!g.stopped.empty()) o["stopped"] = g.stopped;
  return o;
}

}  // namespace

std::string render_summary(const RunReport& report, const SummaryCosts& costs) {
  std::string out = pad("STEP", 24) + " " + pad("RESULT", 12) + " " + pad("DURATION", 10) + " " +
                    pad("PREDICTED", 10) + " " + pad("ATTEMPTS", 8) + " PREDICTED COST\n";
  table_rows(report.steps, costs, "", out);
  table_rows(report.undo, costs, "undo ", out);
  if (costs.time_scale != 1.0) {
    char note[120];
    std::snprintf(note, sizeof note,
                  "(durations in the target's time: at time scale %g a wall second is %g)\n",
                  costs.time_scale, costs.time_scale);
    out += note;
  }
  for (const auto& g : report.groups)
    group_rows(g, out);
  out += "run " + std::string(to_string(report.status));
  if (!report.detail.empty()) out += ": " + report.detail;
  out += "\n";
  return out;
}

std::string render_explain(const RunReport& report) {
  std::string out;
  auto lines = [&](const std::vector<StepReport>& steps, const std::string& prefix) {
    for (const auto& s : steps) {
      for (std::size_t i = 0; i < s.items.size(); ++i) {
        const auto& item = s.items[i];
        std::string what =
            item.explanation.empty() ? std::string(to_string(item.status)) : item.explanation;
        out += prefix + s.id + (s.items.size() > 1 ? "[" + std::to_string(i) + "]" : "") + ": " +
               what + "\n";
      }
    }
  };
  lines(report.steps, "");
  lines(report.undo, "undo ");
  return out;
}

json::object summary_json(const std::string& run_id, const RunReport& report,
                          const SummaryCosts& costs) {
  json::array steps, undo;
  for (const auto& s : report.steps)
    steps.push_back(step_json(s, costs));
  for (const auto& s : report.undo)
    undo.push_back(step_json(s, costs));
  json::object o{
      {"schema", "tcplan.run/1"},           {"run", run_id},
      {"status", to_string(report.status)}, {"exit_code", static_cast<int>(exit_code(report))},
      {"steps", std::move(steps)},          {"undo", std::move(undo)},
      {"currency", costs.currency},         {"time_scale", costs.time_scale}};
  if (!report.detail.empty()) o["detail"] = report.detail;
  if (!report.groups.empty()) {
    json::array groups;
    for (const auto& g : report.groups)
      groups.push_back(group_json(g));
    o["groups"] = std::move(groups);
  }
  return o;
}

ExitCode exit_code(const RunReport& report) {
  return exit_code(report.status);
}

}  // namespace tcplan::executor
