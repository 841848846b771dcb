// The states a run's projection (audit/projection.h) gives its steps: a step is "running" only
// while its run is. The dry run's reads (recorded outside any step_started) end when answered;
// a step a finished run left open was interrupted.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "audit/projection.h"

namespace tcplan::audit {
namespace projection_status_test {

Event ev(EventKind kind, const std::string& step, const std::string& payload = "{}") {
  static std::int64_t seq = 0;
  Event e;
  e.seq = ++seq;
  e.time_ms = 1000 * e.seq;
  e.kind = kind;
  e.run_id = "run-1";
  e.step_id = step;
  e.payload = payload;
  if (kind == EventKind::kRequestSent || kind == EventKind::kResponseReceived) {
    e.action = "DescribeInstances";
    e.attempt = 1;
  }
  return e;
}

std::string status_of(const RunState& run, const std::string& step) {
  for (const auto& s : run.steps) {
    if (s.step_id == step) return s.status;
  }
  return "(absent)";
}

TEST(ProjectionStatus, StepsAreRunningOnlyWhileTheirRunIs) {
  using K = EventKind;
  const std::vector<Event> preview_done = {ev(K::kRunStarted, "", R"({"plan":"p.toml"})"),
                                           ev(K::kRequestSent, "preview"),
                                           ev(K::kResponseReceived, "preview")};
  std::vector<Event> waiting = preview_done;
  waiting.push_back(ev(K::kStepStarted, "wait-created"));
  std::vector<Event> interrupted = waiting;
  interrupted.push_back(ev(K::kRunFinished, "", R"({"status":"interrupted"})"));
  std::vector<Event> preview_open = {ev(K::kRunStarted, ""), ev(K::kRequestSent, "preview")};
  std::vector<Event> preview_cut = preview_open;
  preview_cut.push_back(ev(K::kRunFinished, "", R"({"status":"interrupted"})"));

  const struct {
    const char* name;
    const std::vector<Event>& events;
    const char* step;
    const char* status;
  } cases[] = {
      {"answered dry-run reads", preview_done, "preview", "succeeded"},
      {"a live run's wait", waiting, "wait-created", "running"},
      {"a wait the run's end cut short", interrupted, "wait-created", "interrupted"},
      {"dry run with a read in flight", preview_open, "preview", "running"},
      {"dry run cut short in flight", preview_cut, "preview", "interrupted"},
  };
  for (const auto& c : cases) {
    RunState run = project_run(c.events);
    EXPECT_EQ(status_of(run, c.step), c.status) << c.name;
  }
  EXPECT_EQ(project_run(preview_done).plan_file, "p.toml");
}

}  // namespace projection_status_test
}  // namespace tcplan::audit
