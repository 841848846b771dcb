// Runs and step states rebuilt from events: the trail is the source of truth, and this is
// the reading `tcplan runs`, `tcplan status`, the reports and apply's choice of a run to resume
// use (the executor's resume rebuilds finer state itself: executor/resume.h). Pure: no I/O
// except load_run()/load_runs(), which read the store and call project_run().
//
// Conventions the projection relies on (writers: keep to them):
//  - step_finished payload {"status": "succeeded"|"failed"|"skipped"|..., "error": "..."}
//  - run_finished payload {"status": "succeeded"|"failed"|"interrupted"|"refused"}
//  - step_started payload may carry {"request_sha256": hex}; the ClientToken column is kept
//  - request_sent / response_received / transport_error match on (step, item, attempt, action)
//  - response payload {"body": <parsed JSON response>}: InstanceId(s), ClusterId, FlowId,
//    TraceId found in body.Response are collected as the step's resource and flow ids
//  - wait_polled payload {"state": ...}; preview_digest payload {"steps": [...], "total": ..}
//  - run_started payload may carry {"saved_plan_sha256", "new_run": bool, "time_scale"}
//  - approved payloads are kept in order ({"by": "--yes"|"prompt"|"approval", ...})
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "audit/event.h"
#include "base/result.h"

namespace tcplan::audit {

class EventStore;

struct CallRecord {
  std::int64_t request_seq = 0;
  std::int64_t response_seq = 0;  // 0 while in flight
  std::string action, item, request_id, error_code, client_token;
  std::int64_t attempt = 0;
  std::int64_t http_status = 0;
  std::int64_t latency_us = 0;
  std::int64_t sent_ms = 0, received_ms = 0;
  bool transport_error = false;
  bool in_flight() const { return response_seq == 0; }
};

struct StepState {
  std::string step_id;
  std::string status = "pending";  // pending | running | succeeded | failed | skipped | ...
  std::int64_t started_ms = 0, finished_ms = 0;
  std::int64_t attempts = 0;  // highest attempt number sent
  std::int64_t retries = 0;   // retry_scheduled events
  std::string client_token;
  std::string request_sha256;
  std::string last_error;
  std::string wait_state;  // the last state a wait observed
  std::vector<std::string> resource_ids;
  std::vector<std::string> flow_ids;
  std::vector<CallRecord> calls;
  // The last request with no response or transport error recorded: resume reconciles it.
  std::optional<CallRecord> in_flight() const;
};

struct RunState {
  std::string run_id;
  std::string status = "running";  // running | succeeded | failed | interrupted | refused
  std::int64_t started_ms = 0, finished_ms = 0;
  std::int64_t first_seq = 0, last_seq = 0, events = 0;
  std::string operator_user, operator_host, tool_version, region;
  std::string plan_sha256, preview_sha256;
  std::string plan_file;          // the plan run_started names (as given on the command line)
  std::string saved_plan_sha256;  // the saved plan applied (run_started), if any
  bool new_run = false;           // started with --new-run: a repeat on purpose
  double time_scale = 1;          // of the target (run_started)
  bool approved = false;
  std::vector<boost::json::object> approvals;  // every approved payload, in order
  std::string refusal;                         // reason of the last refused event
  bool sealed = false;                         // a seal of this run follows its last other event
  boost::json::value preview;    // the preview_digest payload (predicted cost), or null
  std::vector<StepState> steps;  // in order of first appearance

  const StepState* step(const std::string& id) const;
};

RunState project_run(const std::vector<Event>& events);
base::Result<RunState> load_run(const EventStore& store, const std::string& run_id);
base::Result<std::vector<RunState>> load_runs(const EventStore& store);

}  // namespace tcplan::audit
