// Every validation rule, each with a plan that breaks it and the exact line:column of the
// expected message. Plans are a fixed 6-line prelude plus the case's own text from line 7.
#include "planner/validate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "planner/parse.h"

namespace tcplan::planner {
namespace validate_test {

const char* kPrelude =
    "version = 1\n"
    "name = \"t\"\n"
    "region = \"ap-guangzhou\"\n"
    "[vars]\n"
    "cluster = \"emr-4slr7ad7\"\n"
    "nodes = [\"emr-vm-aaaaaaaa\", \"emr-vm-bbbbbbbb\"]\n";

// "LINE:COL: error: message" for every diagnostic (file name left out).
std::vector<std::string> check(const std::string& body, bool with_prelude = true) {
  Diagnostics d("t.toml");
  auto plan = parse_plan("t.toml", (with_prelude ? kPrelude : "") + body, d);
  ValidateOptions o;
  o.env_defined = [](std::string_view name) { return name == "SET_VAR"; };
  if (plan) validate_plan(*plan, d, o);
  std::vector<std::string> out;
  for (const auto& x : d.all()) {
    std::string h = d.headline(x);
    out.push_back(h.substr(std::string("t.toml:").size()));
  }
  return out;
}

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

#define EXPECT_DIAG(body, prefix) EXPECT_THAT(check(body), Contains(StartsWith(prefix)))

const char* kScaleOut = R"([[steps]]
id = "grow"
kind = "scale_out"
[steps.params]
InstanceId = "${vars.cluster}"
PayMode = 0
TimeUnit = "s"
TimeSpan = 3600
TaskCount = 2
)";

// The scale_out step with `extra` step keys on line 10 (before [steps.params], which starts
// on line 10 without them and on line 11 with one extra line).
std::string grow_with(const std::string& extra) {
  std::string s = kScaleOut;
  s.insert(s.find("[steps.params]"), extra);
  return s;
}

TEST(Validate, ValidPlanHasNoDiagnostics) {
  std::string body = std::string(kScaleOut) + R"([[steps]]
id = "wait-grow"
kind = "wait"
cluster = "${vars.cluster}"
flow = "${steps.grow.FlowId}"
[[steps]]
id = "shrink"
kind = "scale_in"
[steps.params]
InstanceId = "${vars.cluster}"
[steps.select]
node_flag = "task"
added_by = "grow"
)";
  EXPECT_THAT(check(body), IsEmpty());
}

TEST(Validate, UnknownTopLevelKeyWithSuggestion) {
  EXPECT_THAT(check("version = 1\nname = \"t\"\nversoin = 2\n" + std::string(kScaleOut), false),
              Contains("3:1: error: unknown key 'versoin' at the top level (did you mean "
                       "'version'?)"));
}

TEST(Validate, UnknownStepKey) {
  EXPECT_DIAG(grow_with("timout = \"5m\"\n"),
              "10:1: error: unknown key 'timout' in [[steps]] (did you mean 'timeout'?)");
}

TEST(Validate, UnknownParamKeyPointsAtTheKey) {
  std::string body = R"([[steps]]
id = "grow"
kind = "scale_out"
[steps.params]
IntanceId = "${vars.cluster}"
PayMode = 0
TimeUnit = "s"
TimeSpan = 3600
)";
  auto d = check(body);
  EXPECT_THAT(d, Contains("11:1: error: unknown key 'IntanceId' in params of step 'grow' (did "
                          "you mean 'InstanceId'?)"));
  EXPECT_THAT(d, Contains("10:1: error: missing required parameter 'InstanceId' in params of "
                          "step 'grow'"));
}

TEST(Validate, UnknownNestedParamKey) {
  EXPECT_DIAG(R"([[steps]]
id = "r"
kind = "restart"
[steps.params]
InstanceId = "emr-4slr7ad7"
OpScope = { ServiceInfoList = [{ ServiceNam = "YARN" }] }
StrategyConfig = { RollingRestartSwitch = 1, BatchSize = 1, TimeWait = 60, DealOnFail = 0 }
)",
              "12:34: error: unknown key 'ServiceNam' in params of step 'r' (did you mean "
              "'ServiceName'?)");
}

TEST(Validate, ParamWrongType) {
  std::string body = kScaleOut;
  body.replace(body.find("TaskCount = 2"), 13, "TaskCount = \"2\"");
  EXPECT_DIAG(body, "15:13: error: 'TaskCount' in params of step 'grow': expected Integer");
}

TEST(Validate, MissingVersionAndName) {
  auto d = check(
      "[[steps]]\nid = \"a\"\nkind = \"wait\"\ncluster = \"emr-4slr7ad7\"\n"
      "until = \"running\"\n",
      false);
  EXPECT_THAT(d, Contains("1:1: error: missing required key 'version' (write version = 1)"));
  EXPECT_THAT(d, Contains("1:1: error: missing required key 'name'"));
}

TEST(Validate, UnsupportedVersion) {
  auto d = check(
      "version = 2\nname = \"x\"\n[[steps]]\nid = \"a\"\nkind = \"wait\"\n"
      "cluster = \"emr-4slr7ad7\"\nuntil = \"running\"\n",
      false);
  EXPECT_THAT(d, Contains(StartsWith("1:11: error: unsupported plan format version 2")));
}

TEST(Validate, BadPlanName) {
  auto d = check(
      "version = 1\nname = \"has space\"\n[[steps]]\nid = \"a\"\nkind = \"wait\"\n"
      "cluster = \"emr-4slr7ad7\"\nuntil = \"running\"\n",
      false);
  EXPECT_THAT(d, Contains("2:8: error: plan name must be 1 to 64 of [A-Za-z0-9._-]"));
}

TEST(Validate, NoSteps) {
  EXPECT_THAT(check(""), Contains("1:1: error: the plan has no steps (add a [[steps]] table)"));
}

TEST(Validate, DuplicateStepId) {
  std::string body = std::string(kScaleOut) + kScaleOut;
  EXPECT_DIAG(body, "17:6: error: duplicate step id 'grow' (first used at line 8)");
}

TEST(Validate, MalformedStepId) {
  EXPECT_DIAG(
      "[[steps]]\nid = \"Grow Big\"\nkind = \"wait\"\ncluster = \"emr-4slr7ad7\"\n"
      "until = \"running\"\n",
      "8:6: error: step id 'Grow Big' must be 1 to 64 of [a-z0-9_-]");
}

TEST(Validate, UnknownKind) {
  EXPECT_DIAG("[[steps]]\nid = \"a\"\nkind = \"scaleout\"\n",
              "9:8: error: unknown step kind 'scaleout' (did you mean 'scale_out'?)");
}

TEST(Validate, KindCannotUseAction) {
  EXPECT_DIAG(grow_with("action = \"TerminateTasks\"\n"),
              "10:10: error: a scale_out step cannot use emr TerminateTasks");
}

TEST(Validate, CallNeedsServiceAndAction) {
  EXPECT_DIAG("[[steps]]\nid = \"c\"\nkind = \"call\"\n",
              "9:8: error: a call step needs both 'service' and 'action'");
}

TEST(Validate, UnknownService) {
  EXPECT_DIAG("[[steps]]\nid = \"c\"\nkind = \"call\"\nservice = \"emx\"\naction = \"X\"\n",
              "10:11: error: unknown service 'emx' (did you mean 'emr'?)");
}

TEST(Validate, UnknownAction) {
  EXPECT_DIAG(
      "[[steps]]\nid = \"c\"\nkind = \"call\"\nservice = \"emr\"\n"
      "action = \"DescribeInstance\"\n",
      "11:10: error: unknown action 'DescribeInstance' for service emr (did you mean "
      "'DescribeInstances'?)");
}

TEST(Validate, UnknownVersion) {
  EXPECT_DIAG(grow_with("version = \"2001-01-01\"\n"),
              "10:11: error: emr ScaleOutInstance has no version '2001-01-01'");
}

TEST(Validate, HandWrittenClientToken) {
  EXPECT_DIAG(std::string(kScaleOut) + "ClientToken = \"abc\"\n",
              "16:15: error: do not write ClientToken by hand");
}

TEST(Validate, IdFormats) {
  std::string body = kScaleOut;
  body.replace(body.find("${vars.cluster}"), 15, "emr-XYZ");
  EXPECT_DIAG(body,
              "11:14: error: 'emr-XYZ' is not a valid InstanceId (expected "
              "emr-[a-z0-9]{8}, e.g. emr-4slr7ad7)");
  EXPECT_DIAG(R"([[steps]]
id = "s"
kind = "scale_in"
[steps.params]
InstanceId = "emr-4slr7ad7"
ResourceIds = ["emr-vm-aaaaaaaa", "ins-12345678"]
)",
              "12:35: error: 'ins-12345678' is not a valid ResourceIds");
  EXPECT_DIAG(R"([[steps]]
id = "k"
kind = "terminate"
service = "cvm"
allow_terminate = true
[steps.params]
InstanceIds = ["ein-12345678"]
)",
              "13:16: error: 'ein-12345678' is not a valid InstanceIds (expected ins-");
  EXPECT_DIAG(R"([[steps]]
id = "k"
kind = "terminate"
service = "ecm"
allow_terminate = true
[steps.params]
InstanceIdSet = ["ins-12345678"]
)",
              "13:18: error: 'ins-12345678' is not a valid InstanceIdSet (expected ein-");
}

TEST(Validate, EnumValues) {
  EXPECT_DIAG(R"([[steps]]
id = "s"
kind = "scale_in"
action = "TerminateClusterNodes"
[steps.params]
InstanceId = "emr-4slr7ad7"
CvmInstanceIds = ["ins-42u6moui"]
NodeFlag = "WORKER"
)",
              "14:12: error: ");
  EXPECT_DIAG(R"([[steps]]
id = "r"
kind = "restart"
[steps.params]
InstanceId = "emr-4slr7ad7"
OpType = "Restart"
OpScope = { ServiceInfoList = [{ ServiceName = "YARN" }] }
)",
              "12:10: error: ");
  std::string body = kScaleOut;
  body.replace(body.find("PayMode = 0"), 11, "PayMode = 7");
  EXPECT_DIAG(body, "12:11: error: ");
}

TEST(Validate, PayModeTimeUnitTimeSpanCombinations) {
  std::string body = kScaleOut;
  body.replace(body.find("TimeUnit = \"s\""), 14, "TimeUnit = \"m\"");
  EXPECT_DIAG(body, "13:12: error: TimeUnit \"m\" does not go with PayMode 0");
  body = kScaleOut;
  body.replace(body.find("TimeSpan = 3600"), 15, "TimeSpan = 60");
  EXPECT_DIAG(body, "14:12: error: TimeSpan must be 3600 with PayMode 0 (pay-as-you-go), not 60");
  body = kScaleOut;
  body.replace(body.find("PayMode = 0"), 11, "PayMode = 1");
  body.replace(body.find("TimeUnit = \"s\""), 14, "TimeUnit = \"m\"");
  body.replace(body.find("TimeSpan = 3600"), 15, "TimeSpan = 13");
  EXPECT_DIAG(body, "14:12: error: TimeSpan 13 is not a valid number of months");
}

TEST(Validate, ReferenceToUnknownVar) {
  std::string body = kScaleOut;
  body.replace(body.find("${vars.cluster}"), 15, "${vars.clustr}");
  EXPECT_DIAG(body,
              "11:15: error: unknown var 'clustr' in ${vars.clustr} (did you mean 'cluster'?)");
}

TEST(Validate, ReferenceIndexOutOfRange) {
  EXPECT_DIAG(R"([[steps]]
id = "s"
kind = "scale_in"
[steps.params]
InstanceId = "emr-4slr7ad7"
ResourceIds = ["${vars.nodes[5]}"]
)",
              "12:17: error: ${vars.nodes[5]} is out of range: var 'nodes' has 2 elements");
}

TEST(Validate, ReferenceToUnknownStep) {
  EXPECT_DIAG(std::string(kScaleOut) + R"([[steps]]
id = "w"
kind = "wait"
cluster = "${vars.cluster}"
flow = "${steps.grwo.FlowId}"
)",
              "20:9: error: unknown step 'grwo' in ${steps.grwo.FlowId} (did you mean 'grow'?)");
}

TEST(Validate, ReferenceToLaterStep) {
  EXPECT_DIAG(R"([[steps]]
id = "w"
kind = "wait"
cluster = "${vars.cluster}"
flow = "${steps.grow.FlowId}"
)" + std::string(kScaleOut),
              "11:9: error: ${steps.grow.FlowId} refers to a later step");
}

TEST(Validate, ReferenceToStepNotAnAncestor) {
  EXPECT_DIAG(std::string(kScaleOut) + R"([[steps]]
id = "w"
kind = "wait"
after = []
cluster = "${vars.cluster}"
flow = "${steps.grow.FlowId}"
)",
              "21:9: error: ${steps.grow.FlowId}: step 'w' does not run after 'grow' (add it "
              "to 'after')");
}

TEST(Validate, ReferenceToFieldTheActionDoesNotReturn) {
  EXPECT_DIAG(std::string(kScaleOut) + R"([[steps]]
id = "w"
kind = "wait"
cluster = "${vars.cluster}"
flow = "${steps.grow.FlowID}"
)",
              "20:9: error: ScaleOutInstance does not return 'FlowID' (did you mean 'FlowId'?)");
}

TEST(Validate, MalformedReference) {
  std::string body = kScaleOut;
  body.replace(body.find("${vars.cluster}"), 15, "${vars.cluster");
  EXPECT_DIAG(body, "11:15: error: unterminated reference (missing '}')");
  body = kScaleOut;
  body.replace(body.find("${vars.cluster}"), 15, "${cluster}");
  EXPECT_DIAG(body, "11:15: error: unknown reference '${cluster}'");
}

TEST(Validate, EscapedReferenceIsLiteral) {
  EXPECT_THAT(check(R"([[steps]]
id = "s"
kind = "scheduler"
action = "ModifyResourceScheduleConfig"
[steps.params]
InstanceId = "emr-4slr7ad7"
Key = "capacity"
Value = "$${not.a.reference}"
)"),
              IsEmpty());
}

TEST(Validate, ItemOutsideForEach) {
  std::string body = kScaleOut;
  body.replace(body.find("${vars.cluster}"), 15, "${item}");
  EXPECT_DIAG(body, "11:15: error: ${item} is only defined in a step with for_each or in a group");
}

TEST(Validate, MissingEnvVar) {
  std::string body = kScaleOut;
  body.replace(body.find("${vars.cluster}"), 15, "${env.NOT_SET}");
  EXPECT_DIAG(body, "11:15: error: environment variable NOT_SET is not set (${env.NOT_SET})");
  body = kScaleOut;
  body.replace(body.find("${vars.cluster}"), 15, "${env.SET_VAR}");
  EXPECT_THAT(check(body), IsEmpty());
}

TEST(Validate, AfterUnknownStepAndSelf) {
  auto d = check(grow_with("after = [\"grwo\", \"grow\"]\n"));
  EXPECT_THAT(
      d,
      Contains("10:10: error: step 'grow' runs after unknown step 'grwo' (did you mean 'grow'?)"));
  EXPECT_THAT(d, Contains("10:18: error: step 'grow' cannot run after itself"));
}

TEST(Validate, Cycle) {
  EXPECT_DIAG(R"([[steps]]
id = "a"
kind = "wait"
cluster = "emr-4slr7ad7"
until = "running"
after = ["b"]
[[steps]]
id = "b"
kind = "wait"
cluster = "emr-4slr7ad7"
until = "running"
)",
              "13:1: error: the steps form a cycle: a -> b -> a");
}

TEST(Validate, WaitNeedsExactlyOneCondition) {
  EXPECT_DIAG("[[steps]]\nid = \"w\"\nkind = \"wait\"\ncluster = \"emr-4slr7ad7\"\n",
              "9:8: error: wait step 'w' needs exactly one of flow, trace or until");
  EXPECT_DIAG("[[steps]]\nid = \"w\"\nkind = \"wait\"\nuntil = \"running\"\n",
              "9:8: error: wait step 'w' needs 'cluster'");
  EXPECT_DIAG(
      "[[steps]]\nid = \"w\"\nkind = \"wait\"\ncluster = \"emr-4slr7ad7\"\n"
      "until = \"runing\"\n",
      "11:9: error: until must be \"running\" or \"terminated\", not \"runing\" (did you "
      "mean 'running'?)");
  EXPECT_DIAG("[[steps]]\nid = \"w\"\nkind = \"wait\"\ncluster = \"cls-1\"\nuntil = \"running\"\n",
              "10:11: error: 'cls-1' is not an EMR cluster id");
}

TEST(Validate, WaitOnlyKeys) {
  EXPECT_DIAG(grow_with("flow = \"x\"\n"),
              "10:8: error: 'flow' is only allowed on wait steps of step 'grow'");
}

TEST(Validate, Durations) {
  EXPECT_DIAG(grow_with("timeout = \"5 minutes\"\n"),
              "10:11: error: 'timeout' is not a duration: \"5 minutes\"");
  EXPECT_DIAG(grow_with("timeout = \"0s\"\n"), "10:11: error: 'timeout' must be longer than 0");
  EXPECT_DIAG(grow_with("timeout = 30\n"),
              "10:11: error: 'timeout' must be a string, not an integer");
  EXPECT_DIAG(grow_with("retry = { max_attempts = 0, initial_backoff = \"1s\" }\n"),
              "10:26: error: max_attempts must be between 1 and 100");
  EXPECT_DIAG(grow_with("retry = { initial_backoff = \"1m\", max_backoff = \"1s\" }\n"),
              "10:9: error: retry initial_backoff (1m) is longer than max_backoff (1s)");
  EXPECT_DIAG(grow_with("on_failure = \"rolback\"\n"),
              "10:14: error: on_failure must be stop, continue or rollback, not \"rolback\" (did "
              "you mean 'rollback'?)");
}

TEST(Validate, WindowSanity) {
  const std::string window_bad =
      "version = 1\nname = \"x\"\n[window]\nstart = 2026-11-24T05:00:00+08:00\n"
      "end = 2026-11-24T01:00:00+08:00\n[[steps]]\nid = \"w\"\nkind = \"wait\"\n"
      "cluster = \"emr-4slr7ad7\"\nuntil = \"running\"\n";
  EXPECT_THAT(check(window_bad, false), Contains("5:7: error: window end is not after its start"));
  const std::string no_offset =
      "version = 1\nname = \"x\"\n[window]\nstart = 2026-11-24T05:00:00\n"
      "end = 2026-11-24T07:00:00+08:00\n[[steps]]\nid = \"w\"\nkind = \"wait\"\n"
      "cluster = \"emr-4slr7ad7\"\nuntil = \"running\"\n";
  EXPECT_THAT(check(no_offset, false),
              Contains(StartsWith("4:9: error: 'start' needs a UTC offset")));
  const std::string timeout_too_long =
      "version = 1\nname = \"x\"\n[window]\nstart = 2026-11-24T01:00:00+08:00\n"
      "end = 2026-11-24T02:00:00+08:00\n[[steps]]\nid = \"w\"\nkind = \"wait\"\n"
      "cluster = \"emr-4slr7ad7\"\nuntil = \"running\"\ntimeout = \"2h\"\n";
  EXPECT_THAT(check(timeout_too_long, false),
              Contains("11:11: error: step 'w' timeout 2h is longer than the change window (1h)"));
}

TEST(Validate, BudgetSanity) {
  auto d = check("[budget]\ncurrency = \"EUR\"\nmax_total = -1.0\n" + std::string(kScaleOut));
  EXPECT_THAT(d, Contains("8:12: error: currency must be \"CNY\" or \"USD\", not \"EUR\""));
  EXPECT_THAT(d, Contains("9:13: error: 'max_total' must not be negative"));
}

TEST(Validate, AllowTerminateRequired) {
  EXPECT_DIAG(R"([[steps]]
id = "kill"
kind = "terminate"
[steps.params]
InstanceId = "emr-4slr7ad7"
)",
              "9:8: error: step 'kill' terminates resources: it needs allow_terminate = true");
  EXPECT_DIAG(R"([[steps]]
id = "kill"
kind = "call"
service = "emr"
action = "TerminateTasks"
allow_terminate = false
[steps.params]
InstanceId = "emr-4slr7ad7"
ResourceIds = ["emr-vm-aaaaaaaa"]
)",
              "12:19: error: step 'kill' terminates resources: it needs allow_terminate = true");
}

TEST(Validate, GuardrailScaleOut) {
  EXPECT_DIAG(
      "[guardrails]\nmax_scale_out_nodes = 1\n" + std::string(kScaleOut),
      "12:1: error: step 'grow' adds 2 nodes, more than guardrails.max_scale_out_nodes = 1");
}

TEST(Validate, GuardrailScaleIn) {
  EXPECT_DIAG(
      R"([guardrails]
max_scale_in_nodes = 1
[[steps]]
id = "s"
kind = "scale_in"
[steps.params]
InstanceId = "emr-4slr7ad7"
ResourceIds = ["emr-vm-aaaaaaaa", "emr-vm-bbbbbbbb"]
)",
      "14:15: error: step 's' removes 2 nodes, more than guardrails.max_scale_in_nodes = 1");
  EXPECT_DIAG(
      "[guardrails]\nmax_scale_in_nodes = 1\n" + std::string(kScaleOut) + R"([[steps]]
id = "w"
kind = "wait"
cluster = "${vars.cluster}"
flow = "${steps.grow.FlowId}"
[[steps]]
id = "s"
kind = "scale_in"
[steps.params]
InstanceId = "${vars.cluster}"
[steps.select]
node_flag = "task"
added_by = "grow"
)",
      "30:12: error: step 's' removes 2 nodes, more than guardrails.max_scale_in_nodes = 1");
}

TEST(Validate, SelectRules) {
  EXPECT_DIAG(R"([[steps]]
id = "s"
kind = "scale_in"
[steps.params]
InstanceId = "emr-4slr7ad7"
[steps.select]
node_flag = "tasks"
newest = 2
)",
              "13:13: error: node_flag must be task, core or router, not \"tasks\" (did you mean "
              "'task'?)");
  EXPECT_DIAG(R"([[steps]]
id = "s"
kind = "scale_in"
[steps.params]
InstanceId = "emr-4slr7ad7"
[steps.select]
node_flag = "task"
)",
              "12:1: error: [steps.select] needs exactly one of added_by or newest");
  EXPECT_DIAG(R"([[steps]]
id = "s"
kind = "scale_in"
[steps.params]
InstanceId = "emr-4slr7ad7"
[steps.select]
node_flag = "task"
added_by = "ghost"
)",
              "14:12: error: select.added_by names unknown step 'ghost'");
  EXPECT_DIAG(std::string(kScaleOut) + "[steps.select]\nnode_flag = \"task\"\nnewest = 1\n",
              "16:1: error: [steps.select] is only allowed on scale_in steps of step 'grow'");
}

TEST(Validate, ForEachRules) {
  EXPECT_DIAG(R"([[steps]]
id = "r"
kind = "restart"
for_each = []
[steps.params]
InstanceId = "${item}"
OpScope = { ServiceInfoList = [{ ServiceName = "YARN" }] }
StrategyConfig = { RollingRestartSwitch = 1, BatchSize = 1, TimeWait = 60, DealOnFail = 0 }
)",
              "10:12: error: for_each list is empty");
  EXPECT_DIAG(R"([[steps]]
id = "r"
kind = "restart"
for_each = "${vars.cluster}"
[steps.params]
InstanceId = "${item}"
OpScope = { ServiceInfoList = [{ ServiceName = "YARN" }] }
StrategyConfig = { RollingRestartSwitch = 1, BatchSize = 1, TimeWait = 60, DealOnFail = 0 }
)",
              "10:12: error: for_each: var 'cluster' is not a list");
  EXPECT_DIAG(grow_with("max_parallel = 2\n"),
              "10:16: error: max_parallel only applies to a step with for_each");
}

TEST(Validate, ForEachOverVarIsCheckedPerItem) {
  EXPECT_THAT(check(R"([vars.x]
[[steps]]
id = "r"
kind = "restart"
for_each = ["emr-4slr7ad7", "emr-aaaaaaaa"]
max_parallel = 2
[steps.params]
InstanceId = "${item}"
OpScope = { ServiceInfoList = [{ ServiceName = "YARN" }] }
StrategyConfig = { RollingRestartSwitch = 1, BatchSize = 1, TimeWait = 60, DealOnFail = 0 }
)"),
              Contains("7:7: error: var 'x' is a table; vars hold strings, numbers, booleans or "
                       "arrays"));
}

TEST(Validate, UndoRules) {
  EXPECT_DIAG(std::string(kScaleOut) + R"([[steps.undo]]
id = "undo-grow"
kind = "scale_in"
after = ["grow"]
[steps.undo.params]
InstanceId = "${vars.cluster}"
[steps.undo.select]
node_flag = "task"
added_by = "grow"
)",
              "19:9: error: 'after' is not allowed in [[steps.undo]]");
  EXPECT_DIAG(std::string(kScaleOut) + R"([[steps.undo]]
id = "grow"
kind = "wait"
cluster = "${vars.cluster}"
flow = "${steps.grow.FlowId}"
)",
              "17:6: error: duplicate step id 'grow' (first used at line 8)");
}

TEST(Validate, PriceRules) {
  EXPECT_DIAG(std::string(kScaleOut) + "[steps.price]\naction = \"ScaleOutInstance\"\n",
              "17:10: error: [steps.price] action must be an InquiryPrice* action");
  EXPECT_DIAG(
      std::string(kScaleOut) + "[steps.price]\naction = \"InquiryPriceScaleOutInstanc\"\n",
      "17:10: error: unknown price action 'InquiryPriceScaleOutInstanc' for service emr (did "
      "you mean 'InquiryPriceScaleOutInstance'?)");
  EXPECT_DIAG(std::string(kScaleOut) +
                  "[steps.price]\naction = \"InquiryPriceRenewInstance\"\n[steps.price.params]\n"
                  "TimeSpan = \"x\"\n",
              "19:12: error: 'TimeSpan' in [steps.price] params of step 'grow'");
}

TEST(Validate, WarnsOnChangeWithoutWaitingForPreviousFlow) {
  Diagnostics d("t.toml");
  auto plan = parse_plan("t.toml", std::string(kPrelude) + kScaleOut + R"([[steps]]
id = "r"
kind = "restart"
[steps.params]
InstanceId = "${vars.cluster}"
OpScope = { ServiceInfoList = [{ ServiceName = "YARN" }] }
StrategyConfig = { RollingRestartSwitch = 1, BatchSize = 1, TimeWait = 60, DealOnFail = 0 }
)",
                         d);
  ASSERT_TRUE(plan);
  validate_plan(*plan, d);
  EXPECT_EQ(d.errors(), 0u) << d.render();
  ASSERT_EQ(d.warnings(), 1u) << d.render();
  EXPECT_THAT(d.headline(d.all()[0]),
              StartsWith("t.toml:18:8: warning: step 'r' changes cluster emr-4slr7ad7 while the "
                         "flow of step 'grow' may still be running"));
}

TEST(Validate, AllErrorsOfAFileInOneRun) {
  std::string body = kScaleOut;
  body.replace(body.find("TaskCount = 2"), 13, "TaskCont = 2\nbogus = 1");
  auto d = check(body + "timout = \"1m\"\n");
  EXPECT_GE(d.size(), 3u);
}

TEST(Validate, DatesOnlyInWindow) {
  std::string body = kScaleOut;
  body.replace(body.find("TaskCount = 2"), 13, "TaskCount = 2026-01-01");
  EXPECT_DIAG(body, "15:13: error: dates and times are only allowed in [window]");
}

}  // namespace validate_test
}  // namespace tcplan::planner
