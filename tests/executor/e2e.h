// Shared by the `tcplan apply` end-to-end tests (apply_*_e2e_test.cc): where the example plans
// and the test data live, running apply against a LocalCloud, and reading the run back from
// the audit trail the way a reviewer would (`tcplan audit export --format jsonl`).
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/time.h"
#include "planner/diagnostics.h"
#include "planner/validate.h"
#include "tests/testing/local_cloud.h"
#include "tests/testing/process.h"
#include "tests/testing/store.h"

namespace tcplan::testing::e2e {

namespace json = boost::json;

inline std::filesystem::path plans_dir() {
  return std::filesystem::path(TCPLAN_SOURCE_DIR) / "plans";
}
inline std::filesystem::path fleet_fixture() {
  return plans_dir() / "fixtures" / "fleet.toml";
}
inline std::filesystem::path data_dir() {
  return std::filesystem::path(TCPLAN_SOURCE_DIR) / "tests" / "executor" / "data";
}

// Everything a failed assertion should show about a tcplan run.
inline std::string dump(const ProcessResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\n--- stdout\n" + r.out + "--- stderr\n" + r.err;
}

// The run id apply prints first ("run: <id>").
inline std::string run_id_of(const ProcessResult& r) {
  for (const std::string* text : {&r.out, &r.err}) {
    auto at = text->find("run: ");
    if (at == std::string::npos) continue;
    auto end = text->find('\n', at);
    return text->substr(at + 5, end == std::string::npos ? std::string::npos : end - at - 5);
  }
  return {};
}

// One test's cloud, trail and scratch directory.
struct Bed {
  TempDir dir;
  // A SQLite file in `dir`, or a fresh PostgreSQL store under TCPLAN_TEST_STORE=postgresql.
  std::filesystem::path db = test_store(dir.path());
  // Non-empty: the host name this bed's runs give (TCPLAN_HOST), to play a second host.
  std::string host;

  ProcessResult tcplan(const LocalCloud& cloud, const std::vector<std::string>& args,
                       RunOptions options = {}) const {
    if (options.cwd.empty()) options.cwd = dir.path();
    if (!host.empty()) options.env.emplace("TCPLAN_HOST", host);
    return run_tcplan_against(cloud, db, args, options);
  }
  ProcessResult apply(const LocalCloud& cloud, const std::filesystem::path& plan,
                      std::vector<std::string> extra = {}, RunOptions options = {}) const {
    std::vector<std::string> args{"apply", plan.string(), "--yes"};
    args.insert(args.end(), extra.begin(), extra.end());
    return tcplan(cloud, args, std::move(options));
  }
};

// Whether the trail exists yet: a SQLite file once written; a PostgreSQL store always.
inline bool store_exists(const std::filesystem::path& db) {
  return testing_postgres() || std::filesystem::exists(db);
}

// An exported event with its payload parsed (the export keeps it as a string).
struct Row {
  json::object row;
  json::value payload;
  std::string str(const char* key) const {
    auto* v = row.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  }
  std::int64_t num(const char* key) const {
    auto* v = row.if_contains(key);
    return v && v->is_number() ? v->to_number<std::int64_t>() : 0;
  }
  std::string kind() const { return str("kind"); }
  std::string step() const { return str("step_id"); }
  std::string action() const { return str("action"); }
  std::int64_t seq() const { return num("seq"); }
  // A field of the payload, as text ("" when absent or not a string).
  std::string field(const char* key) const {
    if (!payload.is_object()) return {};
    auto* v = payload.as_object().if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  }
  // The Response object of a response_received event (empty when none).
  json::object response() const {
    if (!payload.is_object()) return {};
    auto* body = payload.as_object().if_contains("body");
    if (!body || !body->is_object()) return {};
    auto* r = body->as_object().if_contains("Response");
    return r && r->is_object() ? r->as_object() : json::object{};
  }
};

// `tcplan audit export --format jsonl [--run RUN]`, parsed. Fails the test when it fails.
inline std::vector<Row> export_rows(const Bed& bed, const LocalCloud& cloud,
                                    const std::string& run = {}) {
  std::vector<std::string> args{"audit", "export", "--format", "jsonl"};
  if (!run.empty()) args.insert(args.end(), {"--run", run});
  ProcessResult r = bed.tcplan(cloud, args);
  EXPECT_EQ(r.exit_code, 0) << dump(r);
  std::vector<Row> rows;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    Row row;
    row.row = json::parse(line).as_object();
    boost::system::error_code ec;
    row.payload = json::parse(row.str("payload"), ec);
    rows.push_back(std::move(row));
  }
  return rows;
}

inline std::vector<Row> select(const std::vector<Row>& rows, const std::string& kind,
                               const std::string& action = {}, const std::string& step = {}) {
  std::vector<Row> out;
  for (const auto& r : rows) {
    if (r.kind() != kind) continue;
    if (!action.empty() && r.action() != action) continue;
    if (!step.empty() && r.step() != step) continue;
    out.push_back(r);
  }
  return out;
}

// For TCPLAN_TEST_KILL_AFTER_EVENTS: the number of events the run's journal had written when
// it wrote the first row `stop_at` accepts (1-based), taken from an uninterrupted run of the
// same plan. Locks, leases, seals and trail reads are written by the store, not the journal,
// and are not counted by the hook.
inline long journal_events_until(const std::vector<Row>& rows,
                                 const std::function<bool(const Row&)>& stop_at) {
  long n = 0;
  for (const auto& r : rows) {
    const std::string k = r.kind();
    if (k == "lock_acquired" || k == "lock_released" || k == "sealed" || k == "trail_read" ||
        k == "trail_exported" || k.rfind("lease_", 0) == 0) {
      continue;
    }
    ++n;
    if (stop_at(r)) return n;
  }
  ADD_FAILURE() << "no such event in the reference run";
  return 0;
}

// RFC 3339 in UTC, as --now takes it.
inline std::string utc_text(planner::TimePoint t) {
  return base::format_utc(std::chrono::system_clock::time_point(t));
}

// The plan's [window], read from the file as tcplan reads it.
inline std::optional<planner::Window> window_of(const std::filesystem::path& plan_file) {
  planner::Diagnostics diags(plan_file.string());
  auto plan = planner::check_plan_file(plan_file.string(), diags);
  if (!plan) return std::nullopt;
  return plan->window;
}

// A time inside the plan's [window] (a minute after it opens), for --now; empty without one.
inline std::string now_inside_window(const std::filesystem::path& plan_file) {
  auto window = window_of(plan_file);
  return window ? utc_text(window->start + std::chrono::minutes{1}) : std::string();
}

// Waits for a condition another process brings about (a lock taken, an event written),
// re-checking it rather than guessing a delay; fails the test after `limit`.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::seconds limit = std::chrono::seconds{60}) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  return true;
}

}  // namespace tcplan::testing::e2e
