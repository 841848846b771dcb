// What the fleet benchmark measures, read back from the run's audit trail: makespan, achieved
// send rate per (step, action) and RequestLimitExceeded answers. request_sent is stamped just
// before the request leaves, so it is the send time the server's limit sees.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>

#include "audit/event_store.h"

namespace tcplan::bench {

struct SendGroup {
  std::int64_t count = 0;
  std::int64_t first_ms = std::numeric_limits<std::int64_t>::max();
  std::int64_t last_ms = 0;
  // Achieved rate: sends after the first over the time they took.
  double per_second() const {
    return last_ms > first_ms ? (count - 1) * 1000.0 / static_cast<double>(last_ms - first_ms)
                              : 0.0;
  }
};

struct TrailStats {
  std::int64_t makespan_ms = 0;
  std::map<std::pair<std::string, std::string>, SendGroup> sends;  // (step, action)
  std::map<std::string, std::int64_t> sends_per_action;
  std::int64_t throttled = 0;  // RequestLimitExceeded answers
  std::int64_t retries = 0;
  std::int64_t transport_errors = 0;
  std::int64_t items_failed = 0;
  std::int64_t items_succeeded = 0;
};

inline TrailStats read_trail(const std::filesystem::path& db, const std::string& run_id) {
  auto store = audit::EventStore::open(db);
  if (!store) throw std::runtime_error("audit trail " + db.string() + ": " + store.error().message);
  auto events = (*store)->run_events(run_id);
  if (!events) throw std::runtime_error("run " + run_id + ": " + events.error().message);
  TrailStats s;
  std::int64_t start = std::numeric_limits<std::int64_t>::max(), end = 0;
  for (const auto& e : *events) {
    switch (e.kind) {
      case audit::EventKind::kStepStarted:
        start = std::min(start, e.time_ms);
        break;
      case audit::EventKind::kStepFinished: {
        end = std::max(end, e.time_ms);
        auto status = boost::json::parse(e.payload).as_object().at("status").as_string();
        (status == "succeeded" ? s.items_succeeded : s.items_failed) += 1;
        break;
      }
      case audit::EventKind::kRequestSent: {
        ++s.sends_per_action[e.action];
        if (e.step_id == "preview") break;  // the dry run before approval is not the run
        SendGroup& g = s.sends[{e.step_id, e.action}];
        ++g.count;
        g.first_ms = std::min(g.first_ms, e.time_ms);
        g.last_ms = std::max(g.last_ms, e.time_ms);
        break;
      }
      case audit::EventKind::kResponseReceived:
        if (e.error_code.rfind("RequestLimitExceeded", 0) == 0) ++s.throttled;
        break;
      case audit::EventKind::kTransportError:
        ++s.transport_errors;
        break;
      case audit::EventKind::kRetryScheduled:
        ++s.retries;
        break;
      default:
        break;
    }
  }
  s.makespan_ms = end > start ? end - start : 0;
  return s;
}

}  // namespace tcplan::bench
