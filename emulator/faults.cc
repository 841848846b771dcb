#include "emulator/faults.h"

#include <toml++/toml.h>

#include <fstream>
#include <sstream>

namespace tcplan::emulator {

namespace {

std::string at(const std::string& source, const toml::node& node) {
  return source + ":" + std::to_string(node.source().begin.line) + ": ";
}

// The trigger keys shared by [[fault]] and [[flow]]: nth, or probability, or neither (every
// matching call).
base::Status<base::Error> read_trigger(const toml::table& t, const std::string& where,
                                       std::int64_t* nth, double* probability) {
  const bool has_nth = t.contains("nth");
  const bool has_probability = t.contains("probability");
  if (has_nth && has_probability) return base::Error{where + "give nth or probability, not both"};
  if (has_nth) {
    auto n = t["nth"].value<std::int64_t>();
    if (!n || *n < 1) return base::Error{where + "nth must be an integer >= 1"};
    *nth = *n;
  }
  if (has_probability) {
    auto p = t["probability"].value<double>();
    if (!p || *p < 0.0 || *p > 1.0) return base::Error{where + "probability must be within 0..1"};
    *probability = *p;
  }
  return {};
}

base::Status<base::Error> check_keys(const toml::table& t, const std::string& where,
                                     std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : t) {
    bool ok = false;
    for (auto a : allowed)
      ok = ok || key.str() == a;
    if (!ok) return base::Error{where + "unknown key '" + std::string(key.str()) + "'"};
  }
  return {};
}

base::Result<FaultRule> read_fault(const toml::table& t, const std::string& where, int line) {
  if (auto s = check_keys(t, where,
                          {"action", "service", "nth", "probability", "error", "message",
                           "http_status", "latency_ms", "reset", "commit_then_drop"});
      !s.ok())
    return s.error();
  FaultRule rule;
  rule.line = line;
  rule.action = t["action"].value_or(std::string("*"));
  rule.service = t["service"].value_or(std::string());
  if (auto s = read_trigger(t, where, &rule.nth, &rule.probability); !s.ok()) return s.error();
  int kinds = 0;
  if (t.contains("error")) {
    ++kinds;
    rule.kind = FaultKind::kError;
    rule.code = t["error"].value_or(std::string());
    if (rule.code.empty()) return base::Error{where + "error must be an error code string"};
    rule.message = t["message"].value_or(std::string());
  }
  if (t.contains("http_status")) {
    ++kinds;
    rule.kind = FaultKind::kHttpStatus;
    auto status = t["http_status"].value<std::int64_t>();
    if (!status || *status < 400 || *status > 599)
      return base::Error{where + "http_status must be an HTTP error status (400..599)"};
    rule.http_status = static_cast<int>(*status);
  }
  if (t.contains("latency_ms")) {
    ++kinds;
    rule.kind = FaultKind::kLatency;
    auto ms = t["latency_ms"].value<std::int64_t>();
    if (!ms || *ms < 0 || *ms > 600000) return base::Error{where + "latency_ms must be 0..600000"};
    rule.latency_ms = *ms;
  }
  for (auto [key, kind] : {std::pair{"reset", FaultKind::kReset},
                           std::pair{"commit_then_drop", FaultKind::kCommitThenDrop}}) {
    if (!t.contains(key)) continue;
    auto on = t[key].value<bool>();
    if (!on) return base::Error{where + key + " must be true or false"};
    if (*on) {
      ++kinds;
      rule.kind = kind;
    }
  }
  if (t.contains("message") && rule.kind != FaultKind::kError)
    return base::Error{where + "message only goes with error"};
  if (kinds != 1)
    return base::Error{
        where + "give exactly one of error, http_status, latency_ms, reset, commit_then_drop"};
  return rule;
}

base::Result<FlowFault> read_flow(const toml::table& t, const std::string& where) {
  if (auto s = check_keys(t, where, {"action", "nth", "probability", "outcome", "failed_reason"});
      !s.ok())
    return s.error();
  FlowFault flow;
  flow.action = t["action"].value_or(std::string("*"));
  flow.probability = 1.0;
  if (auto s = read_trigger(t, where, &flow.nth, &flow.probability); !s.ok()) return s.error();
  auto outcome = t["outcome"].value<std::int64_t>();
  if (!outcome || (*outcome != -1 && *outcome != -3 && *outcome != 3))
    return base::Error{where +
                       "outcome must be -1 (failed), -3 (blocked) or 3 (finished with skips)"};
  flow.outcome = static_cast<int>(*outcome);
  flow.failed_reason = t["failed_reason"].value_or(std::string());
  if (!flow.failed_reason.empty() && flow.outcome != -1)
    return base::Error{where + "failed_reason only goes with outcome = -1"};
  if (flow.outcome == -1 && flow.failed_reason.empty())
    flow.failed_reason = "Injected failure (emulator faults file)";
  return flow;
}

}  // namespace

base::Result<FaultPlan> parse_faults(std::string_view toml_text, const std::string& source_name) {
  toml::table doc;
  try {
    doc = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    return base::Error{source_name + ":" + std::to_string(e.source().begin.line) + ": " +
                       std::string(e.description())};
  }
  FaultPlan plan;
  for (const auto& [key, node] : doc) {
    const std::string where = at(source_name, node);
    if (key == "seed") {
      auto seed = node.value<std::int64_t>();
      if (!seed || *seed < 0) return base::Error{where + "seed must be a non-negative integer"};
      plan.seed = static_cast<std::uint64_t>(*seed);
    } else if (key == "fault" || key == "flow") {
      const toml::array* list = node.as_array();
      if (list == nullptr)
        return base::Error{where + std::string(key.str()) + " must be an array of tables ([[" +
                           std::string(key.str()) + "]])"};
      for (const auto& item : *list) {
        const std::string item_where = at(source_name, item);
        const toml::table* t = item.as_table();
        if (t == nullptr) return base::Error{item_where + "expected a table"};
        if (key == "fault") {
          auto rule = read_fault(*t, item_where, static_cast<int>(item.source().begin.line));
          if (!rule.ok()) return rule.error();
          plan.rules.push_back(std::move(rule).value());
        } else {
          auto flow = read_flow(*t, item_where);
          if (!flow.ok()) return flow.error();
          plan.flows.push_back(std::move(flow).value());
        }
      }
    } else {
      return base::Error{where + "unknown key '" + std::string(key.str()) +
                         "' (expected seed, [[fault]], [[flow]])"};
    }
  }
  return plan;
}

base::Result<FaultPlan> load_faults(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return base::Error{file.string() + ": cannot read the faults file"};
  std::stringstream text;
  text << in.rdbuf();
  return parse_faults(text.str(), file.string());
}

FaultInjector::FaultInjector(std::vector<FaultRule> rules, std::uint64_t seed)
    : rules_(std::move(rules)), seen_(rules_.size(), 0), rng_(seed) {}

FaultDecision FaultInjector::next(std::string_view service, std::string_view action) {
  FaultDecision decision;
  if (rules_.empty()) return decision;
  std::lock_guard lock(mu_);
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const FaultRule& rule = rules_[i];
    if (rule.action != "*" && rule.action != action) continue;
    if (!rule.service.empty() && rule.service != service) continue;
    const std::int64_t n = ++seen_[i];
    bool fires;
    if (rule.nth > 0) {
      fires = n == rule.nth;
    } else {
      // Always draw, even at probability 1: the sequence of draws then depends only on the
      // call order, not on which rules happen to be certain.
      const double draw = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
      fires = draw < rule.probability;
    }
    if (!fires) continue;
    if (rule.kind == FaultKind::kLatency) {
      decision.latency_ms += rule.latency_ms;
    } else if (decision.outcome == nullptr) {
      decision.outcome = &rule;
    }
  }
  return decision;
}

}  // namespace tcplan::emulator
