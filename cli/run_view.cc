#include "cli/run_view.h"

#include <chrono>
#include <set>

#include "base/duration.h"
#include "base/time.h"
#include "executor/lease.h"
#include "planner/plan.h"

namespace tcplan::cli {

std::vector<StepView> step_views(const audit::RunState& run, const std::string& run_status) {
  std::vector<StepView> out;
  std::set<std::string> seen;
  auto add = [&](const std::string& id) {
    if (id == planner::kPreviewStepId || !seen.insert(id).second) return;
    StepView v{id, "pending", nullptr};
    for (const auto& s : run.steps) {
      if (s.step_id == id) v.state = &s;
    }
    if (v.state != nullptr) {
      v.status = v.state->status;
      if (v.status == "running" && run_status != "running") v.status = "interrupted";
    }
    out.push_back(std::move(v));
  };
  if (run.preview.is_object()) {
    if (const auto* steps = run.preview.as_object().if_contains("steps");
        steps != nullptr && steps->is_array()) {
      for (const auto& s : steps->as_array()) {
        const auto* id = s.is_object() ? s.as_object().if_contains("id") : nullptr;
        if (id != nullptr && id->is_string()) add(std::string(id->as_string()));
      }
    }
  }
  // Undo steps and steps of a plan changed since the preview: in the order they ran.
  for (const auto& s : run.steps)
    add(s.step_id);
  return out;
}

Liveness liveness(const audit::RunState& run, const std::map<std::string, audit::Lease>& leases,
                  std::int64_t now_ms) {
  Liveness l{run.status, run.status, {}, false};
  if (run.status != "running") return l;
  auto lease = leases.find(run.run_id);
  if (lease == leases.end()) {
    l.text = "running or killed";
    return l;
  }
  if (executor::lease_alive(lease->second, now_ms)) {
    l.driver =
        "pid " + std::to_string(lease->second.owner.pid) + " on host " + lease->second.owner.host;
    l.text = "running";
    return l;
  }
  l.status = "interrupted";
  l.text = "interrupted (killed)";
  l.killed = true;
  return l;
}

std::map<std::string, audit::Lease> leases_by_run(const audit::EventStore& store) {
  std::map<std::string, audit::Lease> out;
  if (auto leases = store.leases()) {
    for (auto& l : *leases)
      out.emplace(l.run_id, std::move(l));
  }
  return out;
}

std::vector<audit::LockInfo> locks_of(const audit::EventStore& store, const std::string& run_id) {
  std::vector<audit::LockInfo> held;
  auto locks = store.locks();
  if (!locks) return held;
  for (auto& l : *locks) {
    if (l.holder_run_id == run_id) held.push_back(std::move(l));
  }
  return held;
}

std::string time_text(std::int64_t ms) {
  return ms == 0 ? "-" : base::format_utc_ms(ms);
}

std::string elapsed_text(std::int64_t from_ms, std::int64_t to_ms) {
  if (from_ms == 0 || to_ms < from_ms) return "-";
  return base::format_elapsed(std::chrono::milliseconds(to_ms - from_ms));
}

std::optional<std::int64_t> predicted_ms(const audit::RunState& run, const std::string& step) {
  if (!run.preview.is_object()) return std::nullopt;
  const auto* steps = run.preview.as_object().if_contains("steps");
  if (!steps || !steps->is_array()) return std::nullopt;
  for (const auto& s : steps->as_array()) {
    if (!s.is_object()) continue;
    const auto* id = s.as_object().if_contains("id");
    const auto* d = s.as_object().if_contains("duration");
    if (!id || !id->is_string() || id->as_string() != step || !d || !d->is_object()) continue;
    const auto* ms = d->as_object().if_contains("predicted_ms");
    if (ms && ms->is_number()) return ms->to_number<std::int64_t>();
  }
  return std::nullopt;
}

std::optional<std::int64_t> actual_ms(const audit::RunState& run, const audit::StepState& s) {
  if (s.started_ms == 0 || s.finished_ms < s.started_ms) return std::nullopt;
  return static_cast<std::int64_t>(static_cast<double>(s.finished_ms - s.started_ms) *
                                   run.time_scale);
}

std::string approval_text(const boost::json::object& a) {
  auto text = [&](const char* key) {
    const auto* v = a.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  if (text("by") == "approval") {
    return text("approver") + " (key " + text("approver_fingerprint") +
           (text("ticket").empty() ? "" : ", ticket " + text("ticket")) + ", expires " +
           text("expires_at") + ")";
  }
  return text("user") + " (" + text("by") + ")";
}

std::string step_status_text(const std::string& status) {
  return status == "pending" ? "not started" : status;
}

}  // namespace tcplan::cli
