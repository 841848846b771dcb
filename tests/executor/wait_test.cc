// Poll interpretation: every documented FlowTotalStatus and the cluster statuses that must fail
// fast (301, 302) instead of waiting out the timeout as the Terraform provider does.
#include "executor/wait.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace tcplan::executor {
namespace wait_test {

namespace json = boost::json;

json::object parse(const char* text) {
  return json::parse(text).as_object();
}

TEST(FlowWait, RunningKeepsWaitingAndReportsStageAndProgress) {
  auto obs = observe_flow(parse(R"({"FlowTotalStatus":1,"FlowTotalProgress":0.38,
      "StageDetails":[{"Stage":"a","Name":"Apply resources","Status":2},
                      {"Stage":"b","Name":"Scale Out Core","Status":1}]})"));
  EXPECT_EQ(obs.verdict, WaitVerdict::kKeepWaiting);
  EXPECT_EQ(obs.state, "running 38% (stage: Scale Out Core)");
  EXPECT_EQ(obs.stage, "Scale Out Core");
}

TEST(FlowWait, InitialisingKeepsWaiting) {
  EXPECT_EQ(observe_flow(parse(R"({"FlowTotalStatus":0})")).verdict, WaitVerdict::kKeepWaiting);
}

TEST(FlowWait, FinishedSucceeds) {
  auto obs = observe_flow(parse(R"({"FlowTotalStatus":2,"FlowTotalProgress":1})"));
  EXPECT_EQ(obs.verdict, WaitVerdict::kSucceeded);
  EXPECT_TRUE(obs.skipped_stages.empty());
}

TEST(FlowWait, FinishedWithSkipsSucceedsAndNamesTheSkippedStages) {
  auto obs = observe_flow(parse(R"({"FlowTotalStatus":3,"StageDetails":[
      {"Name":"Install Impala","Status":3},{"Name":"Start services","Status":2}]})"));
  EXPECT_EQ(obs.verdict, WaitVerdict::kSucceeded);
  EXPECT_EQ(obs.skipped_stages, std::vector<std::string>{"Install Impala"});
  EXPECT_EQ(obs.detail, "skipped: Install Impala");
}

TEST(FlowWait, FailedReportsEveryFailedStageReason) {
  auto obs = observe_flow(parse(R"({"FlowTotalStatus":-1,"StageDetails":[
      {"Name":"Apply resources","Status":-1,"FailedReason":"CVM sold out in ap-guangzhou-3"},
      {"Name":"Deploy","Status":-1,"FailedReason":""}]})"));
  EXPECT_EQ(obs.verdict, WaitVerdict::kFailed);
  EXPECT_EQ(obs.detail,
            "Apply resources: CVM sold out in ap-guangzhou-3; Deploy: failed (no reason given)");
}

TEST(FlowWait, BlockedFailsAtOnce) {
  auto obs = observe_flow(
      parse(R"({"FlowTotalStatus":-3,"StageDetails":[{"Name":"Decommission","Status":1}]})"));
  EXPECT_EQ(obs.verdict, WaitVerdict::kFailed);
  EXPECT_EQ(obs.state, "blocked");
  EXPECT_NE(obs.detail.find("Decommission"), std::string::npos);
}

TEST(FlowWait, FingerprintChangesOnlyWithState) {
  auto a = observe_flow(parse(R"({"FlowTotalStatus":1,"FlowTotalProgress":0.5})"));
  auto b = observe_flow(parse(R"({"FlowTotalStatus":1,"FlowTotalProgress":0.5})"));
  auto c = observe_flow(parse(R"({"FlowTotalStatus":1,"FlowTotalProgress":0.6})"));
  EXPECT_EQ(a.fingerprint(), b.fingerprint());
  EXPECT_NE(a.fingerprint(), c.fingerprint());
}

json::object clusters(const char* status_json) {
  return parse(
      (std::string(R"({"TotalCnt":1,"ClusterList":[{"ClusterId":"emr-abcd1234","Status":)") +
       status_json + "}]}")
          .c_str());
}

TEST(ClusterWait, RunningSucceedsCreatingKeepsWaiting) {
  EXPECT_EQ(observe_cluster(clusters("2"), "emr-abcd1234", ClusterTarget::kRunning).verdict,
            WaitVerdict::kSucceeded);
  auto obs = observe_cluster(clusters("3"), "emr-abcd1234", ClusterTarget::kRunning);
  EXPECT_EQ(obs.verdict, WaitVerdict::kKeepWaiting);
  EXPECT_EQ(obs.state, "status 3 (creating)");
}

TEST(ClusterWait, CreateFailedAndScaleOutFailedFailFast) {
  auto a = observe_cluster(clusters("301"), "emr-abcd1234", ClusterTarget::kRunning);
  EXPECT_EQ(a.verdict, WaitVerdict::kFailed);
  EXPECT_EQ(a.detail, "cluster emr-abcd1234 create failed (status 301)");
  EXPECT_EQ(observe_cluster(clusters("302"), "emr-abcd1234", ClusterTarget::kRunning).verdict,
            WaitVerdict::kFailed);
  EXPECT_EQ(observe_cluster(clusters("301"), "emr-abcd1234", ClusterTarget::kTerminated).verdict,
            WaitVerdict::kFailed);
}

TEST(ClusterWait, GoneIsTerminatedButNotRunning) {
  auto empty = parse(R"({"TotalCnt":0,"ClusterList":[]})");
  EXPECT_EQ(observe_cluster(empty, "emr-abcd1234", ClusterTarget::kTerminated).verdict,
            WaitVerdict::kSucceeded);
  EXPECT_EQ(observe_cluster(empty, "emr-abcd1234", ClusterTarget::kRunning).verdict,
            WaitVerdict::kFailed);
  EXPECT_EQ(observe_cluster(clusters("14"), "emr-abcd1234", ClusterTarget::kTerminated).verdict,
            WaitVerdict::kKeepWaiting);
  EXPECT_EQ(observe_cluster(clusters("201"), "emr-abcd1234", ClusterTarget::kTerminated).verdict,
            WaitVerdict::kSucceeded);
}

TEST(PollInterval, BacksOffToSixtySeconds) {
  std::chrono::milliseconds d{10000};
  d = next_poll_interval(d);
  EXPECT_EQ(d.count(), 15000);
  for (int i = 0; i < 20; ++i)
    d = next_poll_interval(d);
  EXPECT_EQ(d.count(), 60000);
}

// When to read next: never before the flow's documented end, then the step's interval or what
// the reported progress says is left.
struct PollCase {
  const char* name;
  std::optional<long> since_start_ms;
  long expected_ms;
  double progress;
  long interval_ms;
  bool first;
  long want_ms;
};

const PollCase kPollCases[] = {
    {"first read of a flow that just started waits for its documented end", 0, 5000, -1, 170, true,
     5000},
    {"first read part-way through waits for the rest", 3000, 5000, -1, 170, true, 2000},
    {"first read after the documented end goes at once", 6000, 5000, -1, 170, true, 0},
    {"first read of a flow whose start is unknown goes at once", std::nullopt, 5000, -1, 170, true,
     0},
    {"first read of an action with no documented duration goes at once", 0, 0, -1, 170, true, 0},
    {"later reads wait the interval", 6000, 5000, -1, 250, false, 250},
    {"progress says little is left: the interval", 5000, 5000, 0.99, 250, false, 250},
    {"progress says more is left than the interval: that long", 6000, 5000, 0.5, 250, false, 6000},
    {"what progress says is left is capped", 100000, 5000, 0.1, 250, false, 60000},
    {"progress of 1 or unknown adds nothing", 6000, 5000, 1.0, 250, false, 250},
    {"an unknown start ignores progress", std::nullopt, 5000, 0.5, 250, false, 250},
};

TEST(PollDelay, FollowsTheTable) {
  for (const auto& c : kPollCases) {
    PollTiming t;
    if (c.since_start_ms) t.since_start = std::chrono::milliseconds{*c.since_start_ms};
    t.expected = std::chrono::milliseconds{c.expected_ms};
    t.progress = c.progress;
    t.interval = std::chrono::milliseconds{c.interval_ms};
    t.first = c.first;
    EXPECT_EQ(poll_delay(t).count(), c.want_ms) << c.name;
  }
}

TEST(PollDelay, DocumentedFlowDurationsAreTheModelsAndOnlyEmrs) {
  using std::chrono::minutes;
  const json::object restart{{"OpType", "RestartService"}};
  const json::object stop{{"OpType", "StopService"}};
  EXPECT_EQ(documented_flow_duration("emr", "ScaleOutInstance", {}), minutes{5});
  EXPECT_EQ(documented_flow_duration("emr", "ScaleOutCluster", {}), minutes{5});
  EXPECT_EQ(documented_flow_duration("emr", "TerminateTasks", {}), minutes{3});
  EXPECT_EQ(documented_flow_duration("emr", "TerminateClusterNodes", {}), minutes{3});
  EXPECT_EQ(documented_flow_duration("emr", "CreateInstance", {}), minutes{10});
  EXPECT_EQ(documented_flow_duration("emr", "TerminateInstance", {}), minutes{2});
  EXPECT_EQ(documented_flow_duration("emr", "StartStopServiceOrMonitor", restart), minutes{2});
  EXPECT_EQ(documented_flow_duration("emr", "StartStopServiceOrMonitor", stop), minutes{1});
  EXPECT_EQ(documented_flow_duration("emr", "ModifyResourceScheduler", {}).count(), 0);
  EXPECT_EQ(documented_flow_duration("cvm", "TerminateInstances", {}).count(), 0);
}

}  // namespace wait_test
}  // namespace tcplan::executor
