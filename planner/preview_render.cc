// Preview renderings and the saved plan file.
#include "planner/preview_render.h"

#include <boost/json/serialize.hpp>
#include <cmath>
#include <cstdio>

#include "api/hash.h"
#include "base/atomic_file.h"

namespace tcplan::planner {

namespace json = boost::json;

namespace {

double cents(double v) {
  return std::round(v * 100) / 100;
}

json::value money(const Money& m) {
  return json::object{{"original", cents(m.original)}, {"discounted", cents(m.discounted)}};
}

std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::string price_cell(const StepPreview& s) {
  if (s.price) {
    return fmt(s.price->quoted.discounted) + " (list " + fmt(s.price->quoted.original) + ") " +
           s.price->currency + "/" + s.price->unit;
  }
  return s.billable ? "unknown" : "-";
}

std::string window_cell(const StepPreview& s) {
  if (s.window_cost) return fmt(s.window_cost->discounted) + " (" + fmt(*s.window_hours) + " h)";
  return s.billable ? "unknown" : "-";
}

// "group rollout, 200 items: per item 2.32 CNY/hour, window 3.87 CNY; all items ..."
std::string group_line(const GroupPreview& g, const std::string& currency) {
  auto amount = [&](const std::optional<Money>& m, const char* unit) {
    return m ? fmt(m->discounted) + " " + currency + unit : std::string("unknown");
  };
  return "group " + g.id + ", " + std::to_string(g.items) + " items: per item " +
         amount(g.hourly_per_item, "/hour") + ", window " + amount(g.window_per_item, "") +
         "; all items " + amount(g.hourly, "/hour") + ", window " + amount(g.window_cost, "");
}

}  // namespace

json::object preview_json(const Preview& p, const Plan& plan) {
  json::array steps;
  for (const StepPreview& s : p.steps) {
    json::object o{{"id", s.id},
                   {"kind", s.kind},
                   {"service", s.service},
                   {"action", s.action},
                   {"version", s.version},
                   {"region", s.region},
                   {"description", s.description},
                   {"params", s.params},
                   {"billable", s.billable}};
    if (!s.group.empty()) {
      // Only a group's steps carry these: other plans' previews (and digests) are unchanged.
      o["group"] = s.group;
      o["items"] = s.items;
    }
    json::array unknown;
    for (const auto& u : s.unknown)
      unknown.push_back(json::value(u));
    o["known_after_apply"] = std::move(unknown);
    if (s.price) {
      o["price"] = json::object{{"action", s.price->action},
                                {"original", cents(s.price->quoted.original)},
                                {"discounted", cents(s.price->quoted.discounted)},
                                {"unit", s.price->unit},
                                {"currency", s.price->currency},
                                {"hourly", money(s.price->hourly)}};
    } else {
      o["price"] = nullptr;
    }
    o["price_note"] = s.price_note;
    if (s.window_cost) {
      o["window"] = json::object{{"hours", *s.window_hours},
                                 {"cost", money(*s.window_cost)},
                                 {"removed_by", s.removed_by}};
    } else {
      o["window"] = nullptr;
    }
    json::array checks, problems;
    for (const auto& c : s.checks)
      checks.push_back(json::value(c));
    for (const auto& c : s.problems)
      problems.push_back(json::value(c));
    o["checks"] = std::move(checks);
    o["problems"] = std::move(problems);
    steps.push_back(std::move(o));
  }
  json::object total{{"currency", p.currency},
                     {"hourly", p.hourly ? money(*p.hourly) : json::value(nullptr)},
                     {"window", p.window_cost ? money(*p.window_cost) : json::value(nullptr)},
                     {"unknown_prices", p.unknown_prices}};
  const std::string digest = api::sha256_hex(json::serialize(steps) + json::serialize(total));
  json::object out{
      {"schema", kPreviewSchema},
      {"plan",
       json::object{{"name", p.plan_name}, {"file", p.plan_file}, {"sha256", p.plan_sha256}}},
      {"digest", digest},
      {"fetched_at", p.fetched_at},
      {"window_hours", p.window_hours ? json::value(*p.window_hours) : nullptr},
      {"steps", std::move(steps)},
      {"total", std::move(total)}};
  if (plan.budget) {
    json::array v;
    for (const auto& x : p.budget_violations)
      v.push_back(json::value(x));
    out["budget"] = json::object{
        {"currency", plan.budget->currency},
        {"max_total", plan.budget->max_total ? json::value(*plan.budget->max_total) : nullptr},
        {"max_hourly", plan.budget->max_hourly ? json::value(*plan.budget->max_hourly) : nullptr},
        {"ok", p.budget_violations.empty()},
        {"violations", std::move(v)}};
  } else {
    out["budget"] = nullptr;
  }
  json::array problems;
  for (const auto& x : p.problems)
    problems.push_back(json::value(x));
  out["problems"] = std::move(problems);
  if (!p.groups.empty()) {
    json::array groups;
    auto maybe = [](const std::optional<Money>& m) { return m ? money(*m) : json::value(nullptr); };
    for (const GroupPreview& g : p.groups) {
      groups.push_back(json::object{
          {"id", g.id},
          {"items", g.items},
          {"per_item", json::object{{"hourly", maybe(g.hourly_per_item)},
                                    {"window", maybe(g.window_per_item)}}},
          {"total", json::object{{"hourly", maybe(g.hourly)}, {"window", maybe(g.window_cost)}}}});
    }
    out["groups"] = std::move(groups);
  }
  return out;
}

std::string render_table(const Preview& p) {
  std::string out = "Plan " + p.plan_name + " (" + p.plan_file + ", sha256 " +
                    p.plan_sha256.substr(0, 12) + "), prices fetched " + p.fetched_at + "\n\n";
  char line[512];
  std::snprintf(line, sizeof line, "%-20s %-10s %-30s %-36s %s\n", "STEP", "KIND", "ACTION",
                "PRICE (discounted, list)", "WINDOW COST");
  out += line;
  for (const StepPreview& s : p.steps) {
    std::snprintf(line, sizeof line, "%-20s %-10s %-30s %-36s %s\n", s.id.c_str(), s.kind.c_str(),
                  (s.service + " " + s.action).c_str(), price_cell(s).c_str(),
                  window_cell(s).c_str());
    out += line;
    if (!s.price_note.empty()) out += "    price unknown: " + s.price_note + "\n";
    for (const auto& c : s.checks)
      out += "    ok: " + c + "\n";
    for (const auto& c : s.problems)
      out += "    PROBLEM: " + c + "\n";
  }
  out += "\nTotal added spend: ";
  out += p.hourly ? fmt(p.hourly->discounted) + " " + p.currency + "/hour (list " +
                        fmt(p.hourly->original) + ")"
                  : "unknown (" + std::to_string(p.unknown_prices) + " step price(s) unknown)";
  out += "\nEstimated cost of the change window: ";
  out += p.window_cost ? fmt(p.window_cost->discounted) + " " + p.currency + " (list " +
                             fmt(p.window_cost->original) + ")"
                       : std::string("unknown");
  out += "\n";
  for (const auto& g : p.groups)
    out += group_line(g, p.currency) + "\n";
  for (const auto& v : p.budget_violations)
    out += "OVER BUDGET: " + v + "\n";
  return out;
}

std::string render_markdown(const Preview& p) {
  std::string out = "## Change plan `" + p.plan_name + "`\n\n";
  out += "- Plan file: `" + p.plan_file + "` (SHA-256 `" + p.plan_sha256 + "`)\n";
  out += "- Prices fetched: " + p.fetched_at + "\n";
  if (p.window_hours) out += "- Change window: " + fmt(*p.window_hours) + " h\n";
  out += "\n| Step | Kind | Action | Price | Window cost | Checks |\n|---|---|---|---|---|---|\n";
  for (const StepPreview& s : p.steps) {
    std::string checks;
    for (const auto& c : s.checks)
      checks += (checks.empty() ? "" : "; ") + c;
    for (const auto& c : s.problems)
      checks += (checks.empty() ? "" : "; ") + ("**" + c + "**");
    out += "| `" + s.id + "` | " + s.kind + " | " + s.service + " " + s.action + " | " +
           price_cell(s) + " | " + window_cell(s) + " | " + checks + " |\n";
  }
  out += "\n**Total added spend:** ";
  out += p.hourly ? fmt(p.hourly->discounted) + " " + p.currency + "/hour (list " +
                        fmt(p.hourly->original) + ")"
                  : "unknown";
  out += "  \n**Estimated window cost:** ";
  out += p.window_cost ? fmt(p.window_cost->discounted) + " " + p.currency : "unknown";
  out += "\n";
  for (const auto& g : p.groups)
    out += "- " + group_line(g, p.currency) + "\n";
  if (!p.budget_violations.empty()) {
    out += "\n> **Over budget:**\n";
    for (const auto& v : p.budget_violations)
      out += "> - " + v + "\n";
  }
  return out;
}

base::VoidResult write_saved_plan(const std::filesystem::path& path, const Preview& preview,
                                  const Plan& plan) {
  std::error_code ec;
  json::object doc{{"schema", kSavedPlanSchema},
                   {"plan_file", std::filesystem::absolute(plan.file, ec).string()},
                   {"plan_sha256", plan.sha256},
                   {"fetched_at", preview.fetched_at},
                   {"preview", preview_json(preview, plan)}};
  const std::string text = json::serialize(doc) + "\n";
  return base::write_file_atomically(path, text, 0600);
}

}  // namespace tcplan::planner
