// The built-in action catalog against a table of facts written from the vendor docs
// (docs/cloud-api.md, each fact with its vendor document), and Catalog::parse's
// own checks on broken catalogs.
#include "api/catalog.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace tcplan::api {
namespace catalog_test {

struct Expected {
  const char* service;
  const char* action;
  const char* version;
  int rate_limit;
  bool mutating;
  bool client_token;
  std::vector<std::string> tracks;
  std::size_t params;                 // rows of the doc's parameter table
  std::vector<std::string> required;  // the rows marked required, in doc order
  std::size_t errors;                 // the doc's "Errors (N codes)"
};

// One row per documented action (docs/cloud-api.md, "Actions tcplan uses"). TerminateInstance
// adds the intl page's ResourceInUse.InstanceInProcess to the EMR reference's 14 codes.
const std::vector<Expected>& expectations() {
  static const std::vector<Expected> rows = {
      {"emr",
       "ScaleOutCluster",
       "2019-01-03",
       20,
       true,
       true,
       {"FlowId", "TraceId"},
       20,
       {"InstanceChargeType", "InstanceId", "ScaleOutNodeConfig"},
       11},
      {"emr",
       "CreateCluster",
       "2019-01-03",
       20,
       true,
       true,
       {"InstanceId"},
       20,
       {"ProductVersion", "EnableSupportHAFlag", "InstanceName", "InstanceChargeType",
        "LoginSettings", "SceneSoftwareConfig"},
       28},
      {"emr",
       "CreateInstance",
       "2019-01-03",
       20,
       true,
       true,
       {"InstanceId"},
       32,
       {"ProductId", "Software", "SupportHA", "InstanceName", "PayMode", "TimeSpan", "TimeUnit",
        "LoginSettings"},
       77},
      {"emr", "DescribeInstances", "2019-01-03", 20, false, false, {}, 7, {"DisplayStrategy"}, 31},
      {"emr",
       "DescribeClusterNodes",
       "2019-01-03",
       20,
       false,
       false,
       {},
       8,
       {"InstanceId", "NodeFlag"},
       28},
      {"emr",
       "InquiryPriceCreateInstance",
       "2019-01-03",
       20,
       false,
       false,
       {},
       17,
       {"TimeUnit", "TimeSpan", "Currency", "PayMode", "SupportHA", "Software"},
       44},
      {"emr",
       "InquiryPriceRenewInstance",
       "2019-01-03",
       20,
       false,
       false,
       {},
       7,
       {"TimeSpan", "ResourceIds", "Placement", "PayMode"},
       29},
      {"emr",
       "InquiryPriceScaleOutInstance",
       "2019-01-03",
       20,
       false,
       false,
       {},
       10,
       {"TimeUnit", "TimeSpan", "ZoneId", "PayMode", "InstanceId", "CoreCount", "TaskCount",
        "Currency"},
       33},
      {"emr",
       "DescribeInstancesList",
       "2019-01-03",
       20,
       false,
       false,
       {},
       6,
       {"DisplayStrategy"},
       29},
      {"emr",
       "InquiryPriceUpdateInstance",
       "2019-01-03",
       20,
       false,
       false,
       {},
       7,
       {"TimeUnit", "TimeSpan", "UpdateSpec", "PayMode", "Placement"},
       29},
      {"emr",
       "ScaleOutInstance",
       "2019-01-03",
       20,
       true,
       true,
       {"FlowId", "TraceId"},
       26,
       {"TimeUnit", "TimeSpan", "InstanceId", "PayMode"},
       60},
      {"emr", "TerminateInstance", "2019-01-03", 20, true, false, {}, 4, {"InstanceId"}, 15},
      {"emr",
       "TerminateTasks",
       "2019-01-03",
       20,
       true,
       false,
       {},
       2,
       {"InstanceId", "ResourceIds"},
       29},
      {"emr",
       "TerminateClusterNodes",
       "2019-01-03",
       20,
       true,
       false,
       {"FlowId"},
       5,
       {"InstanceId", "CvmInstanceIds", "NodeFlag"},
       5},
      {"emr",
       "ModifyResourceScheduleConfig",
       "2019-01-03",
       20,
       true,
       false,
       {},
       3,
       {"InstanceId", "Key", "Value"},
       7},
      {"emr", "DescribeResourceSchedule", "2019-01-03", 20, false, false, {}, 1, {"InstanceId"}, 6},
      {"emr",
       "ModifyResourceScheduler",
       "2019-01-03",
       20,
       true,
       false,
       {},
       3,
       {"InstanceId", "OldValue", "NewValue"},
       4},
      {"emr",
       "StartStopServiceOrMonitor",
       "2019-01-03",
       20,
       true,
       false,
       {},
       4,
       {"InstanceId", "OpType", "OpScope"},
       9},
      {"emr",
       "DescribeClusterFlowStatusDetail",
       "2019-01-03",
       20,
       false,
       false,
       {},
       3,
       {"InstanceId", "FlowParam"},
       0},
      {"cvm", "TerminateInstances", "2017-03-12", 10, true, false, {}, 2, {"InstanceIds"}, 46},
      {"ecm", "TerminateInstances", "2019-07-19", 20, true, false, {}, 4, {"InstanceIdSet"}, 9},
  };
  return rows;
}

TEST(Catalog, BuiltinParses) {
  const Catalog& c = Catalog::builtin();
  EXPECT_EQ(c.services().size(), 3u);
  EXPECT_GE(c.actions().size(), expectations().size());
  EXPECT_EQ(&c, &Catalog::builtin()) << "parsed once";
}

TEST(Catalog, Services) {
  const Catalog& c = Catalog::builtin();
  struct Svc {
    const char* name;
    const char* version;
    const char* host;
  };
  for (const Svc& s : {Svc{"emr", "2019-01-03", "emr.tencentcloudapi.com"},
                       Svc{"cvm", "2017-03-12", "cvm.tencentcloudapi.com"},
                       Svc{"ecm", "2019-07-19", "ecm.tencentcloudapi.com"}}) {
    const ServiceSpec* spec = c.service(s.name);
    ASSERT_NE(spec, nullptr) << s.name;
    EXPECT_EQ(spec->version, s.version);
    EXPECT_EQ(spec->host, s.host);
    EXPECT_EQ(spec->regional_host("ap-guangzhou"),
              std::string(s.name) + ".ap-guangzhou.tencentcloudapi.com");
    EXPECT_EQ(spec->regional_host(""), s.host);
  }
  EXPECT_EQ(c.service("vpc"), nullptr);
}

TEST(Catalog, EveryDocumentedActionMatchesTheDocs) {
  const Catalog& c = Catalog::builtin();
  for (const Expected& e : expectations()) {
    SCOPED_TRACE(std::string(e.service) + "." + e.action);
    const ActionSpec* a = c.find(e.service, e.action, e.version);
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->service, e.service);
    EXPECT_EQ(a->action, e.action);
    EXPECT_EQ(a->version, e.version);
    EXPECT_EQ(a->rate_limit, e.rate_limit);
    EXPECT_EQ(a->mutating, e.mutating);
    EXPECT_EQ(a->client_token, e.client_token);
    EXPECT_EQ(a->client_token, a->param("ClientToken") != nullptr);
    EXPECT_EQ(a->tracks, e.tracks);
    EXPECT_EQ(a->params.size(), e.params);
    std::vector<std::string> required;
    for (const auto& p : a->params) {
      if (p.required) required.push_back(p.name);
    }
    EXPECT_EQ(required, e.required);
    EXPECT_EQ(a->errors.size(), e.errors);
    EXPECT_EQ(std::set<std::string>(a->errors.begin(), a->errors.end()).size(), a->errors.size())
        << "no code listed twice";
    EXPECT_FALSE(a->source.empty());
  }
}

TEST(Catalog, NotFromTheSeedsButNeededActionsArePresent) {
  const Catalog& c = Catalog::builtin();
  const ActionSpec* cvm = c.find("cvm", "DescribeInstances");
  ASSERT_NE(cvm, nullptr);
  EXPECT_NE(cvm->param("InstanceIds"), nullptr);
  EXPECT_NE(cvm->output("InstanceSet"), nullptr);
  const ActionSpec* ecm = c.find("ecm", "DescribeInstances");
  ASSERT_NE(ecm, nullptr);
  EXPECT_NE(ecm->param("InstanceIdSet"), nullptr);
  EXPECT_EQ(ecm->output("TotalCount")->type, "Integer");
  const StructSpec* instance = c.struct_type("Instance");
  ASSERT_NE(instance, nullptr);
  EXPECT_NE(instance->field("InstanceState"), nullptr);
}

TEST(Catalog, KeyParameterFacts) {
  const Catalog& c = Catalog::builtin();
  const ActionSpec* scale = c.find("emr", "ScaleOutCluster");
  ASSERT_NE(scale, nullptr);
  const FieldSpec* charge = scale->param("InstanceChargeType");
  ASSERT_NE(charge, nullptr);
  EXPECT_TRUE(charge->required);
  EXPECT_EQ(charge->type, "String");
  EXPECT_EQ(charge->allowed, (std::vector<std::string>{"PREPAID", "POSTPAID_BY_HOUR", "SPOTPAID"}));
  EXPECT_EQ(scale->param("Tags")->type, "Array of Tag");
  EXPECT_EQ(scale->param("SoftDeployInfo")->type, "Array of Integer");
  EXPECT_EQ(scale->output("FlowId")->type, "Integer");
  EXPECT_EQ(scale->params.front().name, "InstanceChargeType") << "document order kept";

  const StructSpec* node = c.struct_type("ScaleOutNodeConfig");
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->field("NodeFlag")->allowed,
            (std::vector<std::string>{"MASTER", "TASK", "CORE", "ROUTER"}));
  EXPECT_TRUE(node->field("NodeCount")->required);

  const ActionSpec* create = c.find("emr", "CreateInstance");
  EXPECT_EQ(create->param("PayMode")->allowed, (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(create->param("TimeUnit")->allowed, (std::vector<std::string>{"s", "m"}));
  EXPECT_EQ(create->param("ProductId")->type, "Integer");

  const ActionSpec* flow = c.find("emr", "DescribeClusterFlowStatusDetail");
  EXPECT_EQ(flow->param("FlowParam")->type, "FlowParam");
  EXPECT_EQ(c.struct_type("FlowParam")->field("FKey")->allowed,
            (std::vector<std::string>{"FlowId", "TraceId"}));
  EXPECT_EQ(flow->output("FlowTotalStatus")->type, "Integer");
  EXPECT_EQ(flow->output("FlowTotalProgress")->type, "Float");

  const ActionSpec* cvm = c.find("cvm", "TerminateInstances");
  EXPECT_TRUE(cvm->param("InstanceIds")->required);
  EXPECT_EQ(cvm->param("ReleasePrepaidDataDisks")->type, "Boolean");
  const ActionSpec* ecm = c.find("ecm", "TerminateInstances");
  EXPECT_TRUE(ecm->param("InstanceIdSet")->required);
}

void expect_type_resolves(const Catalog& c, const std::string& where, const FieldSpec& f) {
  std::string_view t = f.type;
  if (auto e = array_element(t); !e.empty()) t = e;
  EXPECT_TRUE(is_scalar_type(t) || c.struct_type(t) != nullptr)
      << where << "." << f.name << ": " << f.type;
}

TEST(Catalog, EveryReferencedStructExists) {
  const Catalog& c = Catalog::builtin();
  std::size_t checked = 0;
  auto check = [&](const std::string& where, const std::vector<FieldSpec>& fields) {
    for (const auto& f : fields) {
      expect_type_resolves(c, where, f);
      ++checked;
    }
  };
  for (const auto& a : c.actions()) {
    check(a.action, a.params);
    check(a.action, a.outputs);
  }
  for (const auto& [name, s] : c.structs()) {
    EXPECT_FALSE(s.fields.empty()) << name;
    check(name, s.fields);
  }
  EXPECT_GT(checked, 500u);
}

TEST(Catalog, EveryErrorCodeHasAMessage) {
  const Catalog& c = Catalog::builtin();
  for (const auto& code : c.common_errors()) {
    EXPECT_FALSE(c.error_message(code).empty()) << code;
  }
  for (const auto& a : c.actions()) {
    for (const auto& code : a.errors) {
      EXPECT_FALSE(c.error_message(a.service, code).empty()) << a.action << ": " << code;
    }
  }
}

TEST(Catalog, ErrorMessagesAreTheDocumentedText) {
  const Catalog& c = Catalog::builtin();
  EXPECT_EQ(c.common_errors().size(), 39u) << "the §3 union of both common lists";
  EXPECT_EQ(c.error_message("MissingParameter"), "A parameter is missing.");
  EXPECT_EQ(c.error_message("InternalError"), "Internal error.");
  EXPECT_EQ(c.error_message("emr", "ResourceInUse.InstanceInProcess"),
            "The instance is under workflow.");
  EXPECT_EQ(c.error_message("ResourceInUse.InstanceInProcess"), "The instance is under workflow.")
      << "service codes are found without naming the service";
  EXPECT_EQ(c.error_message("cvm", "MissingParameter"), "Missing parameter.")
      << "CVM's own wording wins for CVM";
  EXPECT_EQ(c.error_message("emr", "MissingParameter"), "A parameter is missing.");
  EXPECT_EQ(c.error_message("cvm", "FailedOperation.InvalidInstanceApplicationRoleEmr"),
            "The EMR instance ins-xxxxxxxx does not support this operation.");
  EXPECT_EQ(c.error_message("ecm", "InvalidParameterValue.InvalidTime"), "The time is invalid.");
  EXPECT_EQ(c.error_message("No.Such.Code"), "");
}

TEST(Catalog, FindUsesTheDefaultVersion) {
  const Catalog& c = Catalog::builtin();
  const ActionSpec* by_default = c.find("emr", "TerminateTasks");
  const ActionSpec* explicit_version = c.find("emr", "TerminateTasks", "2019-01-03");
  ASSERT_NE(by_default, nullptr);
  EXPECT_EQ(by_default, explicit_version);
  EXPECT_EQ(c.find("emr", "TerminateTasks", "2018-01-01"), nullptr);
  EXPECT_NE(c.find("cvm", "TerminateInstances"), c.find("ecm", "TerminateInstances"));
  EXPECT_EQ(c.find("cvm", "TerminateInstances")->version, "2017-03-12");
  EXPECT_EQ(c.find("ecm", "TerminateInstances")->version, "2019-07-19");
}

TEST(Catalog, UnknownActionOrServiceIsNull) {
  const Catalog& c = Catalog::builtin();
  EXPECT_EQ(c.find("emr", "NoSuchAction"), nullptr);
  EXPECT_EQ(c.find("emr", "terminatetasks"), nullptr) << "names are case-sensitive";
  EXPECT_EQ(c.find("nosuch", "TerminateTasks"), nullptr);
  EXPECT_EQ(c.struct_type("NoSuchStruct"), nullptr);
}

TEST(Catalog, ArrayAndScalarTypeHelpers) {
  EXPECT_EQ(array_element("Array of Tag"), "Tag");
  EXPECT_EQ(array_element("Array of String"), "String");
  EXPECT_EQ(array_element("Tag"), "");
  EXPECT_TRUE(is_scalar_type("Float"));
  EXPECT_FALSE(is_scalar_type("Tag"));
  EXPECT_FALSE(is_scalar_type("string"));
}

// A minimal valid catalog; each broken variant below changes one thing.
std::string minimal(const std::string& action_extra = "",
                    const std::string& field = R"({"name": "T", "type": "Tag"})",
                    const std::string& top_extra = "") {
  return R"({"format": 1,
    "services": [{"name": "emr", "version": "2019-01-03", "host": "emr.tencentcloudapi.com",
                  "versions": ["2019-01-03"]}],
    "common_errors": ["InternalError"], "error_messages": {"InternalError": "Internal error."},
    "structs": {"Tag": {"fields": [{"name": "TagKey", "type": "String"}]}},
    "actions": [{"service": "emr", "action": "X", "version": "2019-01-03",
                 "params": [)" +
         field + "]" + action_extra + "}]" + top_extra + "}";
}

TEST(CatalogParse, AcceptsAMinimalCatalog) {
  auto c = Catalog::parse(minimal());
  ASSERT_TRUE(c.ok()) << c.error().message;
  const ActionSpec* x = c->find("emr", "X");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->rate_limit, 20) << "default";
  EXPECT_FALSE(x->mutating);
  EXPECT_EQ(c->error_message("InternalError"), "Internal error.");
}

TEST(CatalogParse, RejectsBrokenCatalogs) {
  struct Case {
    std::string text;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {"{", "not valid JSON"},
      {minimal("", R"({"name": "T", "type": "Array of Nope"})"), "unknown type \"Array of Nope\""},
      {minimal(", \"requried\": true"), "unknown key \"requried\""},
      {minimal(", \"tracks\": [\"FlowId\"]"), "tracks \"FlowId\""},
      {minimal(", \"client_token\": true"), "no ClientToken param"},
      {minimal(", \"rate_limit\": \"fast\""), "rate_limit"},
      {minimal("", R"({"name": "T", "type": "Tag"})", ", \"extra\": 1"), "unknown key \"extra\""},
      {minimal("", R"({"name": "T", "type": "Tag", "allowed": ["a"]})"),
       "\"allowed\" on a structure type"},
      {minimal("", R"({"name": "T", "type": "String", "required": "yes"})"), "true or false"},
      {R"({"format": 2})", "unsupported \"format\""},
  };
  for (const Case& k : cases) {
    auto c = Catalog::parse(k.text);
    ASSERT_FALSE(c.ok()) << k.text;
    EXPECT_NE(c.error().message.find(k.expect), std::string::npos)
        << "got: " << c.error().message << "\nwanted: " << k.expect;
  }
}

}  // namespace catalog_test
}  // namespace tcplan::api
