// validate_params against the built-in catalog: each kind of problem, nested paths, arrays
// of structures, numeric strings on and off, and the vendor docs' own example requests
// (from the vendor's EMR API reference; docs/cloud-api.md).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "api/catalog.h"

namespace tcplan::api {
namespace params_test {

namespace json = boost::json;
using Kind = ParamProblem::Kind;

std::vector<ParamProblem> check(std::string_view service, std::string_view action,
                                std::string_view params, ValidateOptions options = {}) {
  const Catalog& c = Catalog::builtin();
  const ActionSpec* a = c.find(service, action);
  EXPECT_NE(a, nullptr) << service << "." << action;
  if (a == nullptr) return {};
  return validate_params(c, *a, json::parse(params).as_object(), options);
}

std::vector<ParamProblem> emr(std::string_view action, std::string_view params,
                              ValidateOptions options = {}) {
  return check("emr", action, params, options);
}

std::string dump(const std::vector<ParamProblem>& problems) {
  std::string out;
  for (const auto& p : problems) {
    out += p.path + ": " + p.message + "\n";
  }
  return out;
}

TEST(ValidateParams, CleanRequestHasNoProblems) {
  auto p = emr("ScaleOutCluster",
               R"({"InstanceId":"emr-ge0vrqkl","InstanceChargeType":"POSTPAID_BY_HOUR",
                   "ScaleOutNodeConfig":{"NodeFlag":"TASK","NodeCount":4},
                   "Tags":[{"TagKey":"tcplan:run","TagValue":"r1"}]})");
  EXPECT_TRUE(p.empty()) << dump(p);
}

TEST(ValidateParams, MissingRequiredTopLevel) {
  auto p = emr("TerminateTasks", R"({"InstanceId":"emr-4slr7ad7"})");
  ASSERT_EQ(p.size(), 1u) << dump(p);
  EXPECT_EQ(p[0].kind, Kind::kMissing);
  EXPECT_EQ(p[0].path, "ResourceIds");
  EXPECT_EQ(p[0].message, "missing required Array of String");
}

TEST(ValidateParams, MissingRequiredInsidePresentStruct) {
  auto p = emr("ScaleOutCluster",
               R"({"InstanceId":"emr-1","InstanceChargeType":"PREPAID",
                   "ScaleOutNodeConfig":{"NodeFlag":"CORE"},
                   "InstanceChargePrepaid":{"Period":1}})");
  ASSERT_EQ(p.size(), 2u) << dump(p);
  EXPECT_EQ(p[0].kind, Kind::kMissing);
  EXPECT_EQ(p[0].path, "ScaleOutNodeConfig.NodeCount");
  EXPECT_EQ(p[1].kind, Kind::kMissing);
  EXPECT_EQ(p[1].path, "InstanceChargePrepaid.RenewFlag");
}

TEST(ValidateParams, AbsentOptionalStructIsNotChecked) {
  // PodSpecInfo has required fields deep inside, but it is optional and absent.
  auto p = emr("ScaleOutCluster", R"({"InstanceId":"emr-1","InstanceChargeType":"PREPAID",
                                      "ScaleOutNodeConfig":{"NodeFlag":"CORE","NodeCount":1}})");
  EXPECT_TRUE(p.empty()) << dump(p);
}

TEST(ValidateParams, UnknownNamesAtEveryDepth) {
  auto p = emr("ScaleOutCluster",
               R"({"InstanceId":"emr-1","InstanceChargeType":"PREPAID",
                   "ScaleOutNodeConfig":{"NodeFlag":"CORE","NodeCount":1,"Extra":1},
                   "Tags":[{"TagKey":"a"},{"TagKye":"b"}],
                   "Bogus":true})");
  ASSERT_EQ(p.size(), 3u) << dump(p);
  for (const auto& q : p)
    EXPECT_EQ(q.kind, Kind::kUnknown) << q.path;
  // Document order of the params first (ScaleOutNodeConfig before Tags), unknown top-level
  // names after the known ones.
  EXPECT_EQ(p[0].path, "ScaleOutNodeConfig.Extra");
  EXPECT_EQ(p[1].path, "Tags[1].TagKye");
  EXPECT_EQ(p[1].message, "unknown parameter (did you mean TagKey?)");
  EXPECT_EQ(p[2].path, "Bogus");
  EXPECT_EQ(p[2].message, "unknown parameter");
}

TEST(ValidateParams, WrongTypes) {
  auto p = emr("TerminateClusterNodes",
               R"({"InstanceId":42,"CvmInstanceIds":"ins-1","NodeFlag":"TASK",
                   "GraceDownFlag":"true","GraceDownTime":"abc"})");
  ASSERT_EQ(p.size(), 4u) << dump(p);
  for (const auto& q : p)
    EXPECT_EQ(q.kind, Kind::kWrongType) << q.path;
  EXPECT_EQ(p[0].path, "InstanceId");
  EXPECT_EQ(p[0].message, "expected String, got number 42");
  EXPECT_EQ(p[1].path, "CvmInstanceIds");
  EXPECT_EQ(p[1].message, "expected Array of String, got string \"ins-1\"");
  EXPECT_EQ(p[2].path, "GraceDownFlag");
  EXPECT_EQ(p[2].message, "expected Boolean, got string \"true\"");
  EXPECT_EQ(p[3].path, "GraceDownTime");
  EXPECT_EQ(p[3].message, "expected Integer, got string \"abc\"");
}

TEST(ValidateParams, IntegerRejectsFractionsAndFloatAcceptsIntegers) {
  auto p = emr("TerminateClusterNodes", R"({"InstanceId":"emr-1","CvmInstanceIds":["ins-1"],
                                            "NodeFlag":"TASK","GraceDownTime":60.5})");
  ASSERT_EQ(p.size(), 1u) << dump(p);
  EXPECT_EQ(p[0].message, "expected Integer, got number 60.5");

  // DynamicPodSpec.RequestCpu is Float: 1 and 0.5 are both fine.
  auto q = emr("ScaleOutInstance",
               R"({"InstanceId":"emr-1","TimeUnit":"s","TimeSpan":3600,"PayMode":0,
                   "PodSpec":{"ResourceProviderIdentifier":"cls-1","ResourceProviderType":"tke",
                              "NodeType":"TASK","Cpu":2,"Memory":4,
                              "DynamicPodSpec":{"RequestCpu":1,"LimitCpu":0.5}}})");
  EXPECT_TRUE(q.empty()) << dump(q);
}

TEST(ValidateParams, ElementsOfArraysAreChecked) {
  auto p = emr("ScaleOutCluster",
               R"({"InstanceId":"emr-1","InstanceChargeType":"PREPAID",
                   "ScaleOutNodeConfig":{"NodeFlag":"CORE","NodeCount":1},
                   "SoftDeployInfo":[1,"x",3],"Tags":[{"TagKey":"a"},"b"]})");
  ASSERT_EQ(p.size(), 2u) << dump(p);
  EXPECT_EQ(p[0].path, "SoftDeployInfo[1]");
  EXPECT_EQ(p[0].message, "expected Integer, got string \"x\"");
  EXPECT_EQ(p[1].path, "Tags[1]");
  EXPECT_EQ(p[1].message, "expected Tag (an object), got string \"b\"");
}

TEST(ValidateParams, DeeplyNestedArraysOfStructs) {
  auto p = emr("CreateCluster",
               R"({"ProductVersion":"EMR-V3.6.0","EnableSupportHAFlag":false,
                   "InstanceName":"etl-cluster","InstanceChargeType":"POSTPAID_BY_HOUR",
                   "LoginSettings":{"PublicKeyId":"skey-1"},
                   "SceneSoftwareConfig":{"Software":["hdfs","yarn"]},
                   "ZoneResourceConfiguration":[{"AllNodeResourceSpec":{
                       "MasterResourceSpec":{"InstanceType":"S2.MEDIUM8",
                           "SystemDisk":[{"Count":1,"DiskType":"CLOUD_SSD"}]},
                       "CoreResourceSpec":{"InstanceType":"S2.MEDIUM8",
                           "SystemDisk":[{"Count":1,"DiskType":"FLOPPY","DiskSize":50}]}}}]})");
  ASSERT_EQ(p.size(), 2u) << dump(p);
  EXPECT_EQ(p[0].kind, Kind::kMissing);
  EXPECT_EQ(p[0].path,
            "ZoneResourceConfiguration[0].AllNodeResourceSpec.MasterResourceSpec.SystemDisk[0]."
            "DiskSize");
  EXPECT_EQ(p[1].kind, Kind::kNotAllowed);
  EXPECT_EQ(p[1].path,
            "ZoneResourceConfiguration[0].AllNodeResourceSpec.CoreResourceSpec.SystemDisk[0]."
            "DiskType");
}

TEST(ValidateParams, ValuesOutsideAllowed) {
  auto p = emr("ScaleOutCluster",
               R"({"InstanceId":"emr-1","InstanceChargeType":"HOURLY",
                   "ScaleOutNodeConfig":{"NodeFlag":"task","NodeCount":1}})");
  ASSERT_EQ(p.size(), 2u) << dump(p);
  EXPECT_EQ(p[0].kind, Kind::kNotAllowed);
  EXPECT_EQ(p[0].path, "InstanceChargeType");
  EXPECT_EQ(p[0].message,
            "string \"HOURLY\" is not one of the allowed values: PREPAID, POSTPAID_BY_HOUR, "
            "SPOTPAID");
  EXPECT_EQ(p[1].path, "ScaleOutNodeConfig.NodeFlag") << "enums are case-sensitive";
}

TEST(ValidateParams, IntegerEnumsAcceptNumbersAndNumericStrings) {
  const char* base = R"({"InstanceId":"emr-1","TimeUnit":"s","TimeSpan":3600,"PayMode":%s})";
  auto with = [&](const std::string& v) {
    std::string text = base;
    text.replace(text.find("%s"), 2, v);
    return emr("ScaleOutInstance", text);
  };
  EXPECT_TRUE(with("0").empty());
  EXPECT_TRUE(with("1").empty());
  EXPECT_TRUE(with("\"1\"").empty());
  auto p = with("2");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].kind, Kind::kNotAllowed);
  EXPECT_EQ(p[0].message, "number 2 is not one of the allowed values: 0, 1");
}

TEST(ValidateParams, NumericStringsOnAndOff) {
  const char* text = R"({"InstanceId":"emr-5n3l5c83","TimeUnit":"s","CoreCount":"1",
                         "PayMode":"0","TimeSpan":"3600"})";
  EXPECT_TRUE(emr("ScaleOutInstance", text).empty());

  ValidateOptions strict;
  strict.accept_numeric_strings = false;
  auto p = emr("ScaleOutInstance", text, strict);
  ASSERT_EQ(p.size(), 3u) << dump(p);
  EXPECT_EQ(p[0].path, "TimeSpan");
  EXPECT_EQ(p[1].path, "PayMode");
  EXPECT_EQ(p[2].path, "CoreCount");
  for (const auto& q : p)
    EXPECT_EQ(q.kind, Kind::kWrongType);

  // Not every string is numeric, even in lenient mode.
  auto q = emr("ScaleOutInstance",
               R"({"InstanceId":"e","TimeUnit":"s","TimeSpan":"1h","PayMode":" 0"})");
  ASSERT_EQ(q.size(), 2u) << dump(q);
  EXPECT_EQ(q[0].message, "expected Integer, got string \"1h\"");
  EXPECT_EQ(q[1].message, "expected Integer, got string \" 0\"");
}

TEST(ValidateParams, NullIsAWrongType) {
  auto p = emr("TerminateTasks", R"({"InstanceId":null,"ResourceIds":["emr-vm-1"]})");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].message, "expected String, got null");
}

TEST(ValidateParams, LongStringsAreShortenedInMessages) {
  auto p = emr(
      "TerminateTasks",
      R"({"InstanceId":"emr-1","ResourceIds":"0123456789012345678901234567890123456789abcdef"})");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].message,
            "expected Array of String, got string \"0123456789012345678901234567890123456...\"");
}

TEST(ValidateParams, EveryProblemIsReportedNotJustTheFirst) {
  auto p = emr("StartStopServiceOrMonitor", R"({"OpType":"Reboot","OpScope":[],"X":1})");
  ASSERT_EQ(p.size(), 4u) << dump(p);
  EXPECT_EQ(p[0].kind, Kind::kMissing);  // InstanceId
  EXPECT_EQ(p[1].kind, Kind::kNotAllowed);
  EXPECT_EQ(p[2].kind, Kind::kWrongType);
  EXPECT_EQ(p[3].kind, Kind::kUnknown);
}

TEST(ValidateParams, DeferredValuesCountAsPresentButAreNotChecked) {
  ValidateOptions options;
  options.accept_numeric_strings = false;
  options.deferred = [](const json::value& v) {
    return v.is_string() && v.as_string().starts_with("${");
  };
  // A run-time value may stand for a whole array, an element, an enum or an integer.
  auto p = emr("TerminateClusterNodes",
               R"({"InstanceId":"${steps.create.InstanceId}","CvmInstanceIds":"${steps.sel.Ids}",
                   "NodeFlag":"${vars.flag}","GraceDownTime":"${vars.grace}"})",
               options);
  EXPECT_TRUE(p.empty()) << dump(p);
  auto q = emr("TerminateTasks", R"({"InstanceId":"emr-1","ResourceIds":["${item}",7]})", options);
  ASSERT_EQ(q.size(), 1u) << dump(q);
  EXPECT_EQ(q[0].path, "ResourceIds[1]");
  // Without the predicate the same request is checked as written.
  EXPECT_EQ(emr("TerminateClusterNodes",
                R"({"InstanceId":"e","CvmInstanceIds":"${x}","NodeFlag":"${y}"})")
                .size(),
            2u);
}

// --- The docs' own example requests (the EMR reference's examples; docs/cloud-api.md). ---

struct Example {
  const char* service;
  const char* action;
  const char* request;
};

TEST(ValidateParams, SelfConsistentDocExamplesValidateCleanly) {
  const std::vector<Example> examples =
      {
          {"emr", "CreateInstance",
           R"({"ResourceSpec":{"MasterResourceSpec":{"StorageType":"5","DiskType":"CLOUD_PREMIUM","Cpu":"4","DiskSize":"100","MemSize":"8192","RootSize":"100","Spec":"CVM.S2"},"CoreCount":"2","CoreResourceSpec":{"StorageType":"5","DiskType":"CLOUD_PREMIUM","Cpu":"4","DiskSize":"100","MemSize":"8192","RootSize":"100","Spec":"CVM.S2"},"MasterCount":"1"},"Placement":{"ProjectId":"0","Zone":"ap-guangzhou-3"},"SupportHA":"0","TimeSpan":"3600","VPCSettings":{"SubnetId":"subnet-xxxxxxx","VpcId":"vpc-xxxxxxx"},"LoginSettings":{"Password":"tencent@cloud123"},"PayMode":"0","AutoRenew":"0","TimeUnit":"s","Software":["zookeeper-3.4.9","hadoop-2.8.4","knox-1.2.0"],"InstanceName":"emr test","ProductId":"4"})"},
          {"emr", "DescribeClusterNodes",
           R"({"InstanceId":"emr-6deluvd4","NodeFlag":"all","Offset":0,"Limit":10})"},
          {"emr", "InquiryPriceCreateInstance",
           R"({"ResourceSpec":{"MasterResourceSpec":{"StorageType":"5","DiskType":"CLOUD_PREMIUM","Cpu":"4","DiskSize":"100","MemSize":"16384","RootSize":"100","Spec":"CVM.S3"},"CoreCount":"2","CoreResourceSpec":{"StorageType":"5","DiskType":"CLOUD_PREMIUM","Cpu":"4","DiskSize":"100","MemSize":"16384","RootSize":"100","Spec":"CVM.S3"},"MasterCount":"1"},"Placement":{"ProjectId":"0","Zone":"ap-guangzhou-3"},"SupportHA":"0","TimeSpan":"3600","VPCSettings":{"SubnetId":"subnet-jhgsahx0","VpcId":"vpc-ezt5qmz"},"PayMode":"0","Currency":"USD","TimeUnit":"s","ProductId":"2","Software":["zookeeper-3.4.9","hadoop-2.7.3","knox-1.2.0","hive-2.3.2"]})"},
          {"emr", "InquiryPriceRenewInstance",
           R"({"Placement":{"ProjectId":"0","Zone":"ap-guangzhou-4"},"Currency":"CNY","TimeSpan":"1","PayMode":"1","ResourceIds":["emr-vm-jv1s4zas"],"TimeUnit":"m"})"},
          {"emr", "InquiryPriceScaleOutInstance",
           R"({"TimeSpan":"3600","InstanceId":"emr-3ida6zmi","CoreCount":"1","ZoneId":"100003","PayMode":"0","Currency":"CNY","TaskCount":"0","TimeUnit":"s","RouterCount":"0"})"},
          {"emr", "InquiryPriceUpdateInstance", R"({"Placement":{"ProjectId":"0","Zone":"100003"},"TimeSpan":"3600","UpdateSpec":{"ResourceId":"emr-vm-a0xxx9on","CPUCores":"8","Memory":"16"},"PayMode":"0","Currency":"USD","TimeUnit":"s"})"},
          {"emr", "ScaleOutInstance",
           R"({"InstanceId":"emr-5n3l5c83","TimeUnit":"s","CoreCount":"1","PayMode":"0","TimeSpan":"3600"})"},
          {"emr", "TerminateInstance", R"({"InstanceId":"emr-4slr7ad7"})"},
          {"emr", "TerminateTasks",
           R"({"InstanceId":"emr-4slr7ad7","ResourceIds":["emr-vm-xxx33tg"]})"},
          {"emr", "TerminateClusterNodes",
           R"({"InstanceId":"emr-4zvc5mul","CvmInstanceIds":["ins-42u6moui"],"NodeFlag":"MASTER","GraceDownTime":0,"GraceDownFlag":true})"},
          {"emr", "ModifyResourceScheduleConfig",
           R"({"InstanceId":"emr-buy439fq","Key":"capacity","Value":"{\"queueMappingsOverride\":true}"})"},
          {"emr", "DescribeResourceSchedule", R"({"InstanceId":"xx"})"},
          {"emr", "ModifyResourceScheduler",
           R"({"InstanceId":"xx","NewValue":"xx","OldValue":"xx"})"},
          {"emr", "StartStopServiceOrMonitor",
           R"({"InstanceId":"emr-4zvc5mul","OpType":"StartService","OpScope":{"ServiceInfoList":[{"ServiceName":"abc","ComponentInfoList":[{"ComponentName":"ZKFailoverController","IpList":["172.16.114.126"]}]}]},"StrategyConfig":{"RollingRestartSwitch":0,"BatchSize":1,"TimeWait":5,"DealOnFail":0}})"},
          {"emr", "DescribeClusterFlowStatusDetail",
           R"({"InstanceId":"emr-4zvc5mul","FlowParam":{"FKey":"TraceId","FValue":"1731400002-73146-8002"},"NeedExtraDetail":true})"},
          {"cvm", "TerminateInstances", R"({"InstanceIds":["ins-3jaw1j8m"]})"},
          // The ECM example is a GET query; this is its JSON form.
          {"ecm", "TerminateInstances",
           R"({"TerminateDelay":true,"InstanceIdSet":["ein-197252sp","ein-187232ag"],"TerminateTime":"2019-08-01 18:32:56"})"},
      };
  for (const Example& e : examples) {
    auto p = check(e.service, e.action, e.request);
    EXPECT_TRUE(p.empty()) << e.service << "." << e.action << ":\n" << dump(p);
  }
}

// Doc examples that break the doc's own tables: the validator must flag exactly the
// inconsistency docs/catalog.md notes, and nothing else.
TEST(ValidateParams, InconsistentDocExamplesAreFlaggedPrecisely) {
  // "OrderField":"clusterid" (lowercase id, contrary to the enum).
  auto p = emr(
      "DescribeInstances",
      R"({"DisplayStrategy":"clusterList","ProjectId":"0","Asc":"0","Limit":"10","OrderField":"clusterid","Offset":"0","InstanceIds":["emr-p9f700x8"]})");
  ASSERT_EQ(p.size(), 1u) << dump(p);
  EXPECT_EQ(p[0].path, "OrderField");
  EXPECT_EQ(p[0].kind, Kind::kNotAllowed);

  auto q = emr(
      "DescribeInstancesList",
      R"({"Asc":"0","DisplayStrategy":"clusterList","Limit":"10","OrderField":"clusterid","Offset":"0"})");
  ASSERT_EQ(q.size(), 1u) << dump(q);
  EXPECT_EQ(q[0].path, "OrderField");

  // ScaleOutCluster: Period 0 is outside 1-12/24/36/48/60, and the pod volume uses "abc"
  // placeholders for enumerated fields.
  auto r = emr(
      "ScaleOutCluster",
      R"({"ClientToken":"","InstanceChargeType":"SPOTPAID","InstanceChargePrepaid":{"Period":0,"RenewFlag":true},"ScriptBootstrapActionConfig":[{"CosFileURI":"https://devops-private-1251949819.cos.na-ashburn.myqcloud.com/emr/shell/emr_init.sh","Args":["abc"],"CosFileName":"emr_init","ExecutionMoment":"resourceAfter"}],"InstanceId":"emr-ge0vrqkl","SoftDeployInfo":[1,2],"ServiceNodeInfo":[7],"DisasterRecoverGroupIds":["abc"],"Tags":[{"TagKey":"Team","TagValue":"data"}],"HardwareSourceType":"host","PodSpecInfo":{"PodSpec":{"ResourceProviderIdentifier":"cls-a1cd23fa","ResourceProviderType":"tke","NodeFlag":"TASK","Cpu":1,"Memory":1,"CpuType":"intel","PodVolumes":[{"VolumeType":"abc","PVCVolume":{"DiskSize":1,"DiskType":"abc","DiskNum":0},"HostVolume":{"VolumePath":"abc"}}],"EnableDynamicSpecFlag":true,"DynamicPodSpec":{"RequestCpu":0,"LimitCpu":0,"RequestMemory":0,"LimitMemory":0},"VpcId":"vpc-d1c351hq","SubnetId":"subnet-lnejfj4p","PodName":"podeee"},"PodParameter":{"InstanceId":"abc","Config":"abc","Parameter":"abc"}},"ClickHouseClusterName":"abc","ClickHouseClusterType":"new","YarnNodeLabel":"abc","EnableStartServiceFlag":true,"ResourceSpec":{"Tags":[{"TagKey":"abc","TagValue":"abc"}],"InstanceType":"SA2.4XLARGE64","SystemDisk":[{"Count":1,"DiskType":"CLOUD_PREMIUM","DiskSize":70}],"DataDisk":[{"Count":1,"DiskType":"CLOUD_HSSD","DiskSize":70}],"LocalDataDisk":[{"Count":1,"DiskType":"CLOUD_HSSD","DiskSize":100}]},"Zone":"ap-shanghai-5","SubnetId":"subnet-lnejfj4p","ScaleOutNodeConfig":{"NodeFlag":"CORE","NodeCount":1}})");
  ASSERT_EQ(r.size(), 3u) << dump(r);
  EXPECT_EQ(r[0].path, "InstanceChargePrepaid.Period");
  EXPECT_EQ(r[1].path, "PodSpecInfo.PodSpec.PodVolumes[0].VolumeType");
  EXPECT_EQ(r[2].path, "PodSpecInfo.PodSpec.PodVolumes[0].PVCVolume.DiskType");
  for (const auto& x : r)
    EXPECT_EQ(x.kind, Kind::kNotAllowed);

  // CreateCluster's example is "xx" placeholders throughout: its structure (names, nesting,
  // types) is right, only enumerated values are wrong.
  auto s = emr(
      "CreateCluster",
      R"({"DisasterRecoverGroupIds":["xx"],"DependService":[{"InstanceId":"xx","ServiceName":"xx"}],"ZoneResourceConfiguration":[{"VirtualPrivateCloud":{"SubnetId":"xx","VpcId":"xx"},"AllNodeResourceSpec":{"CoreResourceSpec":{"DataDisk":[{"Count":0,"DiskSize":0,"DiskType":"xx"}],"SystemDisk":[{"Count":0,"DiskSize":0,"DiskType":"xx"}],"LocalDataDisk":[{"Count":0,"DiskSize":0,"DiskType":"xx"}],"InstanceType":"xx","Tags":[{"TagKey":"xx","TagValue":"xx"}]},"CoreCount":0,"MasterResourceSpec":{"InstanceType":"xx","Tags":[{"TagKey":"xx","TagValue":"xx"}]},"TaskCount":0,"TaskResourceSpec":{"InstanceType":"xx"},"CommonCount":0,"MasterCount":0},"Placement":{"ProjectId":0,"Zone":"xx"},"ZoneTag":"xx"}],"ScriptBootstrapActionConfig":[{"CosFileName":"xx","Args":["xx"],"CosFileURI":"xx","ExecutionMoment":"xx"}],"Tags":[{"TagKey":"xx","TagValue":"xx"}],"NeedMasterWan":"xx","EnableCbsEncryptFlag":true,"MetaDBInfo":{"MetaDataPass":"xx","MetaDataUser":"xx","UnifyMetaInstanceId":"xx","MetaDataJdbcUrl":"xx","MetaType":"xx"},"LoginSettings":{"Password":"xx","PublicKeyId":"xx"},"SecurityGroupIds":["xx"],"InstanceChargeType":"xx","ProductVersion":"xx","ClientToken":"xx","SceneSoftwareConfig":{"SceneName":"xx","Software":["xx"]},"EnableKerberosFlag":true,"CustomConf":"xx","InstanceChargePrepaid":{"RenewFlag":true,"Period":0},"InstanceName":"xx","EnableRemoteLoginFlag":true,"EnableSupportHAFlag":true})");
  for (const auto& x : s) {
    EXPECT_TRUE(x.kind == Kind::kNotAllowed || x.kind == Kind::kMissing)
        << x.path << ": " << x.message;
  }
  // The Master/Task specs omit the required SystemDisk; every other problem is a placeholder.
  std::vector<std::string> missing;
  for (const auto& x : s) {
    if (x.kind == Kind::kMissing) missing.push_back(x.path);
  }
  EXPECT_EQ(missing, (std::vector<std::string>{
                         "ZoneResourceConfiguration[0].AllNodeResourceSpec.MasterResourceSpec."
                         "SystemDisk",
                         "ZoneResourceConfiguration[0].AllNodeResourceSpec.TaskResourceSpec."
                         "SystemDisk"}));
  EXPECT_GE(s.size(), 8u) << dump(s);
}

}  // namespace params_test
}  // namespace tcplan::api
