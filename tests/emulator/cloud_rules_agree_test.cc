// The planner and the emulator apply the catalog's rules (api/param_rules.h) alike: each
// request below goes once through `tcplan validate` (a `call` step) and once through the
// emulator's front and model, and both must accept it or both refuse it for the same rule.
// Before the rules lived in the catalog, a ScaleOutCluster with SPOTPAID CORE nodes passed
// validation and was refused by the emulator, and DescribeClusterNodes NodeFlag "all" was the
// other way round; both are cases here.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "emulator/cloud.h"
#include "emulator/front.h"
#include "planner/parse.h"
#include "planner/validate.h"
#include "tests/emulator/front_harness.h"
#include "tests/testing/process.h"

namespace tcplan::emulator {
namespace cloud_rules_agree_test {

namespace json = boost::json;

const char* kFixture = R"(
[[clusters]]
id = "emr-rules001"
[clusters.master]
count = 1
[clusters.core]
count = 2
[clusters.task]
count = 1

[[cvm_instances]]
id = "ins-rules001"
)";

struct Case {
  const char* name;
  const char* service;
  const char* action;
  const char* version;
  const char* params;         // JSON
  const char* planner_error;  // substring of the planner's error; empty = accepted
  const char* cloud_code;     // the emulator's error code; empty = accepted
};

const Case kCases[] = {
    {"spot task nodes", "emr", "ScaleOutCluster", "2019-01-03",
     R"({"InstanceId":"emr-rules001","InstanceChargeType":"SPOTPAID",
         "ScaleOutNodeConfig":{"NodeFlag":"TASK","NodeCount":1}})",
     "", ""},
    {"spot core nodes", "emr", "ScaleOutCluster", "2019-01-03",
     R"({"InstanceId":"emr-rules001","InstanceChargeType":"SPOTPAID",
         "ScaleOutNodeConfig":{"NodeFlag":"CORE","NodeCount":1}})",
     "SPOTPAID is for TASK nodes only", "InvalidParameter.InvalidInstanceChargeType"},
    {"postpaid core nodes", "emr", "ScaleOutCluster", "2019-01-03",
     R"({"InstanceId":"emr-rules001","InstanceChargeType":"POSTPAID_BY_HOUR",
         "ScaleOutNodeConfig":{"NodeFlag":"CORE","NodeCount":1}})",
     "", ""},
    {"prepaid without a period", "emr", "ScaleOutCluster", "2019-01-03",
     R"({"InstanceId":"emr-rules001","InstanceChargeType":"PREPAID",
         "ScaleOutNodeConfig":{"NodeFlag":"TASK","NodeCount":1}})",
     "PREPAID needs InstanceChargePrepaid.Period", "InvalidParameter.InvalidInstanceChargeType"},
    {"prepaid for a year", "emr", "ScaleOutCluster", "2019-01-03",
     R"({"InstanceId":"emr-rules001","InstanceChargeType":"PREPAID",
         "InstanceChargePrepaid":{"Period":12,"RenewFlag":false},
         "ScaleOutNodeConfig":{"NodeFlag":"TASK","NodeCount":1}})",
     "", ""},
    {"hourly", "emr", "ScaleOutInstance", "2019-01-03",
     R"({"InstanceId":"emr-rules001","PayMode":0,"TimeUnit":"s","TimeSpan":3600,"TaskCount":1})",
     "", ""},
    {"hourly in months", "emr", "ScaleOutInstance", "2019-01-03",
     R"({"InstanceId":"emr-rules001","PayMode":0,"TimeUnit":"m","TimeSpan":3600,"TaskCount":1})",
     "TimeUnit \"m\" does not go with PayMode 0", "InvalidParameter.InvalidTimeUnit"},
    {"hourly for a minute", "emr", "ScaleOutInstance", "2019-01-03",
     R"({"InstanceId":"emr-rules001","PayMode":0,"TimeUnit":"s","TimeSpan":60,"TaskCount":1})",
     "TimeSpan must be 3600 with PayMode 0", "InvalidParameter.InvalidTimeSpan"},
    {"monthly for 13 months", "emr", "ScaleOutInstance", "2019-01-03",
     R"({"InstanceId":"emr-rules001","PayMode":1,"TimeUnit":"m","TimeSpan":13,"TaskCount":1})",
     "TimeSpan 13 is not a valid number of months", "InvalidParameter.InvalidTimeSpan"},
    {"monthly for a year", "emr", "ScaleOutInstance", "2019-01-03",
     R"({"InstanceId":"emr-rules001","PayMode":1,"TimeUnit":"m","TimeSpan":12,"TaskCount":1})", "",
     ""},
    {"malformed cluster in a list", "emr", "DescribeInstances", "2019-01-03",
     R"({"DisplayStrategy":"clusterList","InstanceIds":["emr-XYZ"]})",
     "'emr-XYZ' is not a valid InstanceIds", "InvalidParameter.InvalidClusterId"},
    {"cluster in a list", "emr", "DescribeInstances", "2019-01-03",
     R"({"DisplayStrategy":"clusterList","InstanceIds":["emr-rules001"]})", "", ""},
    {"every node type", "emr", "DescribeClusterNodes", "2019-01-03",
     R"({"InstanceId":"emr-rules001","NodeFlag":"all"})", "", ""},
    {"a CVM id as a node", "emr", "TerminateTasks", "2019-01-03",
     R"({"InstanceId":"emr-rules001","ResourceIds":["ins-12345678"]})",
     "'ins-12345678' is not a valid ResourceIds", "InvalidParameter.InvalidResourceIds"},
    {"an ECM id to CVM", "cvm", "TerminateInstances", "2017-03-12",
     R"({"InstanceIds":["ein-12345678"]})", "'ein-12345678' is not a valid InstanceIds",
     "InvalidInstanceId.Malformed"},
    {"a CVM id to ECM", "ecm", "TerminateInstances", "2019-07-19",
     R"({"InstanceIdSet":["ins-12345678"]})", "'ins-12345678' is not a valid InstanceIdSet",
     "InvalidParameterValue.InvalidInstanceID"},
    {"a CVM instance", "cvm", "TerminateInstances", "2017-03-12",
     R"({"InstanceIds":["ins-rules001"]})", "", ""},
};

// A JSON value as a TOML inline value (the params here are plain names, strings, numbers).
std::string toml_value(const json::value& v) {
  switch (v.kind()) {
    case json::kind::object: {
      std::string out = "{";
      for (const auto& kv : v.as_object())
        out +=
            (out.size() > 1 ? ", " : "") + std::string(kv.key()) + " = " + toml_value(kv.value());
      return out + "}";
    }
    case json::kind::array: {
      std::string out = "[";
      for (const auto& e : v.as_array())
        out += (out.size() > 1 ? ", " : "") + toml_value(e);
      return out + "]";
    }
    default:
      return json::serialize(v);
  }
}

// The planner's errors for a plan with one `call` step sending `c`.
std::vector<std::string> planner_errors(const Case& c) {
  const std::string text =
      std::string("version = 1\nname = \"rules\"\nregion = \"ap-guangzhou\"\n") +
      "[[steps]]\nid = \"call\"\nkind = \"call\"\nservice = \"" + c.service + "\"\naction = \"" +
      c.action + "\"\nversion = \"" + c.version +
      "\"\nallow_terminate = true\nparams = " + toml_value(json::parse(c.params)) + "\n";
  planner::Diagnostics d("rules.toml");
  auto plan = planner::parse_plan("rules.toml", text, d);
  if (plan) planner::validate_plan(*plan, d);
  std::vector<std::string> errors;
  for (const auto& x : d.all()) {
    if (x.severity == planner::Severity::kError) errors.push_back(x.message);
  }
  return errors;
}

class RulesAgreeTest : public ::testing::Test {
 protected:
  void SetUp() override { tcplan::testing::write_file(dir_ / "fixture.toml", kFixture); }

  // The emulator's error code for `c` through its front (signature, version, params) and model;
  // empty when it succeeds. A fresh cloud per call: no case sees another's flows.
  std::string cloud_code(const Case& c) {
    CloudOptions options;
    options.fixture_file = dir_ / "fixture.toml";
    auto cloud = make_cloud(options);
    FrontOptions fo;
    fo.keys.add(KeyPair{kLocalSecretId, kLocalSecretKey, ""});
    fo.rate_limits = false;
    fo.wall_now_s = [] { return testing::kNow; };
    Front front(*cloud, std::move(fo));
    testing::Call call;
    call.action = c.action;
    call.version = c.version;
    call.scope_service = c.service;
    call.body = json::serialize(json::parse(c.params));
    const FrontReply reply = front.handle(testing::sign(call, 443));
    const json::value body = json::parse(reply.body);
    const auto& response = body.at("Response").as_object();
    if (!response.contains("Error")) return "";
    return json::value_to<std::string>(response.at("Error").at("Code"));
  }

  tcplan::testing::TempDir dir_;
};

TEST_F(RulesAgreeTest, PlannerAndEmulatorAcceptAndRefuseTheSameRequests) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    const auto errors = planner_errors(c);
    const std::string code = cloud_code(c);
    if (std::string(c.planner_error).empty()) {
      EXPECT_THAT(errors, ::testing::IsEmpty());
    } else {
      EXPECT_THAT(errors, ::testing::Contains(::testing::HasSubstr(c.planner_error)));
    }
    EXPECT_EQ(code, c.cloud_code);
    // The agreement itself, whatever the expectations above say.
    EXPECT_EQ(errors.empty(), code.empty())
        << "planner: " << ::testing::PrintToString(errors) << "\nemulator: " << code;
  }
}

}  // namespace cloud_rules_agree_test
}  // namespace tcplan::emulator
