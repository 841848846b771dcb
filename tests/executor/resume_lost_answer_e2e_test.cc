// Issue 9's first case, for every mutating action: every answer to the action is lost after
// the cloud applied it (the emulator's commit_then_drop), so the run ends failed; the
// emulator's clock then moves 6 minutes (past the ClientToken's life), and `--resume` must
// find the effect by reading, adopt it, send the action no more, and finish — leaving the
// effect exactly once. The faults stay on for the resume: any send of the action would be
// lost again and fail the run.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "tests/executor/e2e.h"

namespace tcplan::testing {
namespace resume_lost_answer_e2e_test {

namespace json = boost::json;
using e2e::Bed;
using e2e::dump;

constexpr const char* kEtl = "emr-4slr7ad7";  // fleet fixture: 2 task nodes, scheduler fair

struct Case {
  std::string action;  // as the emulator's Received counts it: "emr.CreateInstance"
  std::string steps;   // the plan's [[steps]], TOML
  bool client_token;   // retried on its token in the first run (3 attempts), else 1 attempt
  std::function<void(const json::value& state, const std::string& run)> check;
};

const json::object& cluster(const json::value& state, const std::string& id) {
  for (const auto& c : state.at("Clusters").as_array())
    if (c.at("ClusterId").as_string() == id) return c.as_object();
  throw std::runtime_error("no cluster " + id);
}

std::size_t task_nodes(const json::value& state, const std::string& id) {
  std::size_t n = 0;
  for (const auto& node : cluster(state, id).at("Nodes").as_array())
    n += node.at("Flag").as_int64() == 3;
  return n;
}

int flows(const json::value& state, const std::string& action) {
  int n = 0;
  for (const auto& f : state.at("Flows").as_array())
    n += f.at("Action").as_string() == action;
  return n;
}

bool tagged(const json::object& o, const std::string& run) {
  for (const auto& t : o.at("Tags").as_array()) {
    const auto& tag = t.as_object();
    auto* k = tag.if_contains("TagKey");
    auto* v = tag.if_contains("TagValue");
    if (k && v && k->as_string() == "tcplan:run" && v->as_string() == run) return true;
  }
  return false;
}

void one_new_cluster(const json::value& state, const std::string& run) {
  int mine = 0;
  for (const auto& c : state.at("Clusters").as_array())
    mine += tagged(c.as_object(), run);
  EXPECT_EQ(mine, 1) << "clusters created by the run:\n" << state;
  EXPECT_LE(count_state(state).max_resources_per_token, 1u);
}

std::string instance_state(const json::value& state, const std::string& id) {
  for (const auto& i : state.at("Instances").as_array())
    if (i.at("InstanceId").as_string() == id) return std::string(i.at("InstanceState").as_string());
  return "missing";
}

const char* kCreateInstanceParams = R"(
ProductId = 44
Software = ["hdfs-3.2.2", "yarn-3.2.2", "zookeeper-3.6.3"]
SupportHA = 0
InstanceName = "lost-answer"
PayMode = 0
TimeUnit = "s"
TimeSpan = 3600
LoginSettings = { PublicKeyId = "skey-3glfot13" }
Placement = { Zone = "ap-guangzhou-3", ProjectId = 0 }
[steps.params.ResourceSpec]
MasterCount = 1
CoreCount = 2
MasterResourceSpec = { Spec = "CVM.S5", InstanceType = "S5.2XLARGE16", Cpu = 8, MemSize = 16384, StorageType = 5, DiskType = "CLOUD_PREMIUM", DiskSize = 100, RootSize = 50 }
CoreResourceSpec = { Spec = "CVM.S5", InstanceType = "S5.2XLARGE16", Cpu = 8, MemSize = 16384, StorageType = 5, DiskType = "CLOUD_SSD", DiskSize = 200, RootSize = 50 }
)";

const char* kCreateClusterParams = R"(
ProductVersion = "EMR-V3.5.0"
EnableSupportHAFlag = false
InstanceName = "lost-answer"
InstanceChargeType = "POSTPAID_BY_HOUR"
LoginSettings = { PublicKeyId = "skey-3glfot13" }
SceneSoftwareConfig = { SceneName = "Hadoop-Default", Software = ["hdfs-3.2.2", "yarn-3.2.2"] }
[[steps.params.ZoneResourceConfiguration]]
Placement = { Zone = "ap-guangzhou-3" }
[steps.params.ZoneResourceConfiguration.AllNodeResourceSpec]
MasterCount = 1
CoreCount = 2
MasterResourceSpec = { InstanceType = "S5.2XLARGE16", SystemDisk = [{ Count = 1, DiskType = "CLOUD_PREMIUM", DiskSize = 50 }] }
CoreResourceSpec = { InstanceType = "S5.2XLARGE16", SystemDisk = [{ Count = 1, DiskType = "CLOUD_PREMIUM", DiskSize = 50 }], DataDisk = [{ Count = 1, DiskType = "CLOUD_HSSD", DiskSize = 200 }] }
)";

const std::string kFairConfig = R"({"queues":[{"name":"root.etl","weight":3}]})";

std::vector<Case> cases() {
  return {
      {"emr.CreateInstance",
       std::string("[[steps]]\nid = \"create\"\nkind = \"create\"\n[steps.params]") +
           kCreateInstanceParams,
       true, one_new_cluster},
      {"emr.CreateCluster",
       std::string("[[steps]]\nid = \"create\"\nkind = \"create\"\naction = \"CreateCluster\"\n"
                   "[steps.params]") +
           kCreateClusterParams,
       true, one_new_cluster},
      {"emr.ScaleOutInstance",
       "[[steps]]\nid = \"grow\"\nkind = \"scale_out\"\n[steps.params]\nInstanceId = \"" +
           std::string(kEtl) +
           "\"\nPayMode = 0\nTimeUnit = \"s\"\nTimeSpan = 3600\nTaskCount = 2\n",
       true,
       [](const json::value& state, const std::string&) {
         EXPECT_EQ(task_nodes(state, kEtl), 4u) << "2 nodes added, exactly";
         EXPECT_EQ(flows(state, "ScaleOutInstance"), 1);
       }},
      {"emr.ScaleOutCluster",
       "[[steps]]\nid = \"grow\"\nkind = \"scale_out\"\naction = \"ScaleOutCluster\"\n"
       "[steps.params]\nInstanceId = \"" +
           std::string(kEtl) +
           "\"\nInstanceChargeType = \"POSTPAID_BY_HOUR\"\n"
           "ScaleOutNodeConfig = { NodeFlag = \"TASK\", NodeCount = 2 }\n",
       true,
       [](const json::value& state, const std::string&) {
         EXPECT_EQ(task_nodes(state, kEtl), 4u) << "2 nodes added, exactly";
         EXPECT_EQ(flows(state, "ScaleOutCluster"), 1);
       }},
      {"emr.TerminateTasks",
       "[[steps]]\nid = \"shrink\"\nkind = \"scale_in\"\n[steps.params]\nInstanceId = \"" +
           std::string(kEtl) + "\"\n[steps.select]\nnode_flag = \"task\"\nnewest = 1\n",
       false,
       [](const json::value& state, const std::string&) {
         EXPECT_EQ(task_nodes(state, kEtl), 1u) << "exactly the selected node removed";
         EXPECT_EQ(flows(state, "TerminateTasks"), 1);
       }},
      {"emr.TerminateClusterNodes",
       "[[steps]]\nid = \"shrink\"\nkind = \"scale_in\"\naction = \"TerminateClusterNodes\"\n"
       "[steps.params]\nInstanceId = \"" +
           std::string(kEtl) + "\"\n[steps.select]\nnode_flag = \"task\"\nnewest = 1\n",
       false,
       [](const json::value& state, const std::string&) {
         EXPECT_EQ(task_nodes(state, kEtl), 1u) << "exactly the selected node removed";
         EXPECT_EQ(flows(state, "TerminateClusterNodes"), 1);
       }},
      {"emr.TerminateInstance",
       "[[steps]]\nid = \"terminate\"\nkind = \"terminate\"\nallow_terminate = true\n"
       "[steps.params]\nInstanceId = \"emr-ge0vrqkl\"\n",
       false,
       [](const json::value& state, const std::string&) {
         EXPECT_TRUE(cluster(state, "emr-ge0vrqkl").at("Terminated").as_bool());
         EXPECT_EQ(flows(state, "TerminateInstance"), 1);
       }},
      {"cvm.TerminateInstances",
       "[[steps]]\nid = \"terminate-cvm\"\nkind = \"terminate\"\nservice = \"cvm\"\n"
       "allow_terminate = true\n[steps.params]\nInstanceIds = [\"ins-bastion1\"]\n",
       false,
       [](const json::value& state, const std::string&) {
         EXPECT_EQ(instance_state(state, "ins-bastion1"), "TERMINATED");
       }},
      {"ecm.TerminateInstances",
       "[[steps]]\nid = \"terminate-ecm\"\nkind = \"terminate\"\nservice = \"ecm\"\n"
       "allow_terminate = true\n[steps.params]\nInstanceIdSet = [\"ein-197252sp\"]\n",
       false,
       [](const json::value& state, const std::string&) {
         EXPECT_EQ(instance_state(state, "ein-197252sp"), "TERMINATED");
       }},
      {"emr.StartStopServiceOrMonitor",
       "[[steps]]\nid = \"restart-yarn\"\nkind = \"restart\"\n[steps.params]\nInstanceId = \"" +
           std::string(kEtl) +
           "\"\nOpScope = { ServiceInfoList = [{ ServiceName = \"YARN\" }] }\n"
           "StrategyConfig = { RollingRestartSwitch = 1, BatchSize = 1, TimeWait = 30, "
           "DealOnFail = 0 }\n",
       false,
       [](const json::value& state, const std::string&) {
         EXPECT_EQ(flows(state, "StartStopServiceOrMonitor"), 1) << "YARN restarted again";
       }},
      {"emr.ModifyResourceScheduler",
       "[[steps]]\nid = \"switch\"\nkind = \"scheduler\"\n[steps.params]\nInstanceId = \"" +
           std::string(kEtl) + "\"\nOldValue = \"fair\"\nNewValue = \"capacity\"\n",
       false,
       [](const json::value& state, const std::string&) {
         EXPECT_EQ(cluster(state, kEtl).at("Scheduler").as_string(), "capacity");
       }},
      {"emr.ModifyResourceScheduleConfig",
       "[[steps]]\nid = \"queues\"\nkind = \"scheduler\"\naction = "
       "\"ModifyResourceScheduleConfig\"\n[steps.params]\nInstanceId = \"" +
           std::string(kEtl) + "\"\nKey = \"fair\"\nValue = '" + kFairConfig + "'\n",
       false,
       [](const json::value& state, const std::string&) {
         EXPECT_EQ(cluster(state, kEtl).at("FairConfig").as_string(), kFairConfig);
       }},
  };
}

std::int64_t received(const json::value& state, const std::string& action) {
  const auto& r = state.at("Received").as_object();
  auto* n = r.if_contains(action);
  return n ? n->to_number<std::int64_t>() : 0;
}

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.action;
}

class ResumeAfterLostAnswers : public ::testing::TestWithParam<Case> {};

TEST_P(ResumeAfterLostAnswers, ReadsAdoptsAndLeavesTheEffectExactlyOnce) {
  const Case& c = GetParam();
  Bed bed;
  const std::string service = c.action.substr(0, c.action.find('.'));
  const std::string action = c.action.substr(c.action.find('.') + 1);
  write_file(bed.dir / "faults.toml", "[[fault]]\nservice = \"" + service + "\"\naction = \"" +
                                          action + "\"\ncommit_then_drop = true\n");
  const int attempts = c.client_token ? 3 : 1;
  write_file(bed.dir / "plan.toml",
             "version = 1\nname = \"lost-answer\"\nregion = \"ap-guangzhou\"\n\n[defaults]\n"
             "poll = \"1s\"\nretry = { max_attempts = " +
                 std::to_string(attempts) +
                 ", initial_backoff = \"100ms\", max_backoff = \"200ms\" }\n\n" + c.steps);
  LocalCloudOptions o;
  o.fixture = e2e::fleet_fixture();
  o.faults = bed.dir / "faults.toml";
  o.state_file = bed.dir / "cloud.db";
  // The real cloud's pace: in the first run the ClientToken is young enough to re-send on.
  o.time_scale = 1;
  LocalCloud cloud(o);

  ProcessResult failed = bed.apply(cloud, bed.dir / "plan.toml");
  ASSERT_EQ(failed.exit_code, 1) << dump(failed);
  EXPECT_NE(failed.out.find("may or may not have applied " + action), std::string::npos)
      << dump(failed);
  const std::string run = e2e::run_id_of(failed);
  EXPECT_EQ(received(cloud.state(), c.action), attempts) << "every attempt reached the cloud";

  cloud.advance_ms(360'000);  // 6 minutes: every ClientToken of the first run is forgotten
  ProcessResult resumed = bed.apply(cloud, bed.dir / "plan.toml", {"--resume", run, "--explain"});
  ASSERT_EQ(resumed.exit_code, 0) << dump(resumed);
  EXPECT_NE(resumed.out.find("reconciled:"), std::string::npos) << dump(resumed);

  cloud.advance_ms(3600'000);  // every flow reaches its end
  const json::value state = cloud.state();
  EXPECT_EQ(received(state, c.action), attempts) << "the resume sent the action again";
  c.check(state, run);
  auto rows = e2e::export_rows(bed, cloud, run);
  EXPECT_FALSE(e2e::select(rows, "reconciled").empty());
  EXPECT_EQ(bed.tcplan(cloud, {"audit", "verify"}).exit_code, 0);
}

INSTANTIATE_TEST_SUITE_P(EveryMutatingAction, ResumeAfterLostAnswers, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& p) {
                           std::string name = p.param.action;
                           for (auto& ch : name)
                             if (ch == '.') ch = '_';
                           return name;
                         });

ProcessResult apply_plan(const Bed& bed, const LocalCloud& cloud, const std::string& steps,
                         std::vector<std::string> extra = {}) {
  write_file(bed.dir / "plan.toml",
             "version = 1\nname = \"lost\"\nregion = \"ap-guangzhou\"\n\n[defaults]\n"
             "retry = { max_attempts = 1 }\n\n" +
                 steps);
  return bed.apply(cloud, bed.dir / "plan.toml", std::move(extra));
}

TEST(ResumeAfterLostAnswer, APartlyDoneCvmTerminationSendsOnlyTheInstancesStillRunning) {
  Bed bed;
  // The first TerminateInstances never reaches the model (a reset after it was sent).
  write_file(bed.dir / "faults.toml",
             "[[fault]]\nservice = \"cvm\"\naction = \"TerminateInstances\"\nnth = 1\n"
             "reset = true\n");
  write_file(bed.dir / "fixture.toml",
             "[[cvm_instances]]\nid = \"ins-aaaaaaa1\"\nname = \"a\"\ninstance_type = "
             "\"S5.MEDIUM4\"\nzone = \"ap-guangzhou-3\"\n\n[[cvm_instances]]\nid = "
             "\"ins-bbbbbbb2\"\nname = \"b\"\ninstance_type = \"S5.MEDIUM4\"\nzone = "
             "\"ap-guangzhou-3\"\n");
  LocalCloudOptions o;
  o.fixture = bed.dir / "fixture.toml";
  o.faults = bed.dir / "faults.toml";
  LocalCloud cloud(o);
  const std::string steps =
      "[[steps]]\nid = \"retire\"\nkind = \"terminate\"\nservice = \"cvm\"\n"
      "allow_terminate = true\n[steps.params]\nInstanceIds = [\"ins-aaaaaaa1\", "
      "\"ins-bbbbbbb2\"]\n";
  ProcessResult failed = apply_plan(bed, cloud, steps);
  ASSERT_EQ(failed.exit_code, 1) << dump(failed);
  const std::string run = e2e::run_id_of(failed);
  // Meanwhile someone else terminates one of the two.
  ProcessResult other = bed.tcplan(cloud, {"call", "cvm", "TerminateInstances", "--params",
                                           R"({"InstanceIds":["ins-aaaaaaa1"]})"});
  ASSERT_EQ(other.exit_code, 0) << dump(other);

  ProcessResult resumed = apply_plan(bed, cloud, steps, {"--resume", run, "--explain"});
  ASSERT_EQ(resumed.exit_code, 0) << dump(resumed);
  EXPECT_NE(resumed.out.find("part of it took effect"), std::string::npos) << dump(resumed);
  auto sent = e2e::select(e2e::export_rows(bed, cloud, run), "request_sent", "TerminateInstances");
  ASSERT_EQ(sent.size(), 2u);
  const json::value body = sent.back().payload.at("body");
  EXPECT_EQ(body.at("InstanceIds"), (json::array{"ins-bbbbbbb2"})) << body;
  cloud.advance_ms(3600'000);
  const json::value state = cloud.state();
  EXPECT_EQ(instance_state(state, "ins-aaaaaaa1"), "TERMINATED");
  EXPECT_EQ(instance_state(state, "ins-bbbbbbb2"), "TERMINATED");
}

TEST(ResumeAfterLostAnswer, ACallWithNoReadFailsSayingWhatMayHaveHappenedAndSendsNothing) {
  Bed bed;
  write_file(bed.dir / "faults.toml",
             "[[fault]]\naction = \"ModifyResourceScheduleConfig\"\ncommit_then_drop = true\n");
  LocalCloudOptions o;
  o.fixture = e2e::fleet_fixture();
  o.faults = bed.dir / "faults.toml";
  LocalCloud cloud(o);
  // DescribeResourceSchedule shows the fair and capacity configurations, not fairPlan.
  const std::string steps =
      "[[steps]]\nid = \"plan-queues\"\nkind = \"call\"\nservice = \"emr\"\n"
      "action = \"ModifyResourceScheduleConfig\"\n[steps.params]\nInstanceId = \"" +
      std::string(kEtl) + "\"\nKey = \"fairPlan\"\nValue = '{\"plans\":[]}'\n";
  ProcessResult failed = apply_plan(bed, cloud, steps);
  ASSERT_EQ(failed.exit_code, 1) << dump(failed);
  EXPECT_NE(failed.out.find("no read shows whether it took effect"), std::string::npos)
      << dump(failed);
  const std::string run = e2e::run_id_of(failed);
  ProcessResult resumed = apply_plan(bed, cloud, steps, {"--resume", run});
  EXPECT_EQ(resumed.exit_code, 1) << dump(resumed);
  EXPECT_NE(resumed.out.find("may or may not have applied ModifyResourceScheduleConfig on " +
                             std::string(kEtl)),
            std::string::npos)
      << dump(resumed);
  EXPECT_NE(resumed.out.find("it was not sent again"), std::string::npos) << dump(resumed);
  EXPECT_EQ(received(cloud.state(), "emr.ModifyResourceScheduleConfig"), 1);
}

}  // namespace resume_lost_answer_e2e_test
}  // namespace tcplan::testing
