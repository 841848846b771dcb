// The catalog's cross-value rules (api/param_rules.h), table by table: identifier shapes,
// PayMode with TimeUnit/TimeSpan, InstanceChargeType; and Catalog::parse refusing broken
// rules. The facts are the vendor's (docs/cloud-api.md, "Identifiers" and "Billing").
#include "api/param_rules.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <optional>
#include <string>

namespace tcplan::api {

// Generated at build time from api/catalog.json (cmake/embed_file.cmake).
std::string_view catalog_json();

namespace param_rules_test {

namespace json = boost::json;

const Catalog& cat() {
  return Catalog::builtin();
}

TEST(IdFormats, MatchTheDocumentedShapes) {
  struct Row {
    const char* kind;
    const char* id;
    bool ok;
  };
  const Row rows[] = {
      {"emr-cluster", "emr-4slr7ad7", true},
      {"emr-cluster", "emr-4slr7ad", false},
      {"emr-cluster", "emr-4slr7ad78", false},
      {"emr-cluster", "emr-4SLR7AD7", false},
      {"emr-cluster", "emr-vm-4slr7ad", false},
      {"emr-cluster", "emr4slr7ad7x", false},
      {"emr-node", "emr-vm-6xyf2cb2", true},
      {"emr-node", "emr-vm-xxx33tg", true},
      {"emr-node", "emr-vm-xx33tg", false},
      {"emr-node", "emr-6xyf2cb2", false},
      {"cvm-instance", "ins-3jaw1j8m", true},
      {"cvm-instance", "ins-1122", false},
      {"ecm-instance", "ein-197252sp", true},
      {"ecm-instance", "ins-197252sp", false},
      {"ecm-instance", "", false},
  };
  for (const Row& r : rows) {
    const IdFormat* f = cat().id_format(r.kind);
    ASSERT_NE(f, nullptr) << r.kind;
    EXPECT_EQ(f->matches(r.id), r.ok) << r.kind << " " << r.id;
  }
}

TEST(IdFormats, AreFoundByServiceAndParamName) {
  EXPECT_EQ(cat().id_format_of("emr", "InstanceId")->kind, "emr-cluster");
  EXPECT_EQ(cat().id_format_of("emr", "InstanceIds")->kind, "emr-cluster");
  EXPECT_EQ(cat().id_format_of("emr", "ResourceIds")->kind, "emr-node");
  EXPECT_EQ(cat().id_format_of("emr", "CvmInstanceIds")->kind, "cvm-instance");
  EXPECT_EQ(cat().id_format_of("cvm", "InstanceIds")->kind, "cvm-instance");
  EXPECT_EQ(cat().id_format_of("ecm", "InstanceIdSet")->kind, "ecm-instance");
  // CVM's InstanceId names a CVM instance, not an EMR cluster: formats are per service.
  EXPECT_EQ(cat().id_format_of("cvm", "InstanceId"), nullptr);
  EXPECT_EQ(cat().id_format_of("emr", "ZoneId"), nullptr);
}

TEST(IdFormats, CheckEveryDepthAndHonourSkip) {
  auto params = json::parse(R"({"InstanceId":"emr-bad","Tags":[{"TagKey":"emr-bad"}],
                                "UpdateSpec":{"ResourceId":"emr-vm-x"},
                                "ResourceIds":["emr-vm-6xyf2cb2","ins-3jaw1j8m"]})");
  auto v = check_id_formats(cat(), "emr", params);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].path, "InstanceId");
  EXPECT_EQ(v[0].message,
            "'emr-bad' is not a valid InstanceId (expected emr-[a-z0-9]{8}, e.g. emr-4slr7ad7)");
  EXPECT_EQ(v[1].path, "UpdateSpec.ResourceId");
  EXPECT_EQ(v[2].path, "ResourceIds[1]");
  auto skipped = check_id_formats(
      cat(), "emr", params, [](const std::string& path, auto&) { return path == "InstanceId"; });
  EXPECT_EQ(skipped.size(), 2u);
  // Another service's params of the same name are not EMR ids.
  EXPECT_TRUE(check_id_formats(cat(), "cvm", json::parse(R"({"InstanceId":"x"})")).empty());
}

TEST(PayMode, TermsOfEachPayMode) {
  struct Row {
    std::int64_t mode;
    std::optional<std::string> unit;
    std::optional<std::int64_t> span;
    const char* code;  // empty = accepted
    const char* message;
  };
  const Row rows[] = {
      {0, "s", 3600, "", ""},
      {1, "m", 1, "", ""},
      {1, "m", 12, "", ""},
      {1, "m", 60, "", ""},
      {0, std::nullopt, std::nullopt, "", ""},
      {0, "m", 3600, "InvalidParameter.InvalidTimeUnit",
       "TimeUnit \"m\" does not go with PayMode 0 (pay-as-you-go takes TimeUnit \"s\" and "
       "TimeSpan 3600)"},
      {1, "s", 1, "InvalidParameter.InvalidTimeUnit",
       "TimeUnit \"s\" does not go with PayMode 1 (monthly takes TimeUnit \"m\" and TimeSpan in "
       "months)"},
      {0, "s", 60, "InvalidParameter.InvalidTimeSpan",
       "TimeSpan must be 3600 with PayMode 0 (pay-as-you-go), not 60"},
      {1, "m", 13, "InvalidParameter.InvalidTimeSpan",
       "TimeSpan 13 is not a valid number of months for PayMode 1 (1-12, 24, 36, 48, 60)"},
      {1, std::nullopt, 0, "InvalidParameter.InvalidTimeSpan", nullptr},
      {2, "s", 3600, "InvalidParameter.InvalidPaymode",
       "PayMode must be 0 (pay-as-you-go) or 1 (monthly), not 2"},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(std::to_string(r.mode));
    auto v =
        check_pay_mode(cat(), r.mode, r.unit ? &*r.unit : nullptr, r.span ? &*r.span : nullptr);
    if (std::string(r.code).empty()) {
      EXPECT_FALSE(v.has_value()) << v->message;
      continue;
    }
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->code, r.code);
    if (r.message) {
      EXPECT_EQ(v->message, r.message);
    }
  }
}

TEST(ChargeType, NodeTypesAndPrepaidPeriods) {
  struct Row {
    const char* charge;
    const char* flag;
    std::optional<std::int64_t> period;
    const char* path;  // empty = accepted
    const char* message;
  };
  const Row rows[] = {
      {"POSTPAID_BY_HOUR", "CORE", std::nullopt, "", ""},
      {"POSTPAID_BY_HOUR", "", std::nullopt, "", ""},
      {"SPOTPAID", "TASK", std::nullopt, "", ""},
      {"SPOTPAID", "", std::nullopt, "", ""},  // a create names no node type
      {"SPOTPAID", "CORE", std::nullopt, "InstanceChargeType",
       "SPOTPAID is for TASK nodes only, not CORE"},
      {"PREPAID", "TASK", 12, "", ""},
      {"PREPAID", "CORE", 36, "", ""},
      {"PREPAID", "CORE", std::nullopt, "InstanceChargeType",
       "PREPAID needs InstanceChargePrepaid.Period of 1-12, 24, 36, 48, 60 months"},
      {"PREPAID", "CORE", 0, "InstanceChargePrepaid.Period",
       "PREPAID needs InstanceChargePrepaid.Period of 1-12, 24, 36, 48, 60 months, not 0"},
      {"HOURLY", "", std::nullopt, "InstanceChargeType",
       "InstanceChargeType must be one of POSTPAID_BY_HOUR, PREPAID, SPOTPAID, not 'HOURLY'"},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(std::string(r.charge) + " " + r.flag);
    auto v = check_charge_type(cat(), r.charge, r.flag, r.period);
    if (std::string(r.path).empty()) {
      EXPECT_FALSE(v.has_value()) << v->message;
      continue;
    }
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->code, "InvalidParameter.InvalidInstanceChargeType");
    EXPECT_EQ(v->path, r.path);
    EXPECT_EQ(v->message, r.message);
  }
}

TEST(ChargeType, PrepaidPeriodsAreTheMonthsOfTheStructToo) {
  // InstanceChargePrepaid.Period's `allowed` and the monthly PayMode's TimeSpan are one fact.
  const auto* period = cat().struct_type("InstanceChargePrepaid")->field("Period");
  std::vector<std::string> months;
  for (auto m : cat().pay_mode(*cat().charge_type("PREPAID")->prepaid_pay_mode)->time_spans)
    months.push_back(std::to_string(m));
  EXPECT_EQ(period->allowed, months);
}

TEST(PayMode, BilledHoursOfEachTerm) {
  EXPECT_DOUBLE_EQ(billed_hours(*cat().pay_mode(0), 3600), 1.0);
  EXPECT_DOUBLE_EQ(billed_hours(*cat().pay_mode(1), 1), 720.0);
  EXPECT_DOUBLE_EQ(billed_hours(*cat().pay_mode(1), 12), 8640.0);
  EXPECT_EQ(cat().pay_mode_of_unit("m")->pay_mode, 1);
  EXPECT_EQ(cat().pay_mode_of_unit("s")->pay_mode, 0);
  EXPECT_EQ(cat().pay_mode_of_unit("h"), nullptr);
}

TEST(NumberRanges, CollapsesRuns) {
  EXPECT_EQ(number_ranges({3600}), "3600");
  EXPECT_EQ(number_ranges({1, 2, 3, 5, 7, 8}), "1-3, 5, 7-8");
  EXPECT_EQ(number_ranges({}), "");
}

// A copy of the built-in catalog with its "rules" replaced.
std::string with_rules(const std::string& rules) {
  json::object root = json::parse(catalog_json()).as_object();
  root["rules"] = json::parse(rules);
  return json::serialize(root);
}

TEST(CatalogRules, ParseRefusesBrokenRules) {
  const std::string ok_modes =
      R"("pay_modes": [{"PayMode": 0, "name": "h", "TimeUnit": "s", "TimeSpan": [3600],
                        "TimeSpanUnit": "seconds", "TimeSpanSeconds": 1, "source": "x"}])";
  const std::string ok_charges = R"("charge_types": [])";
  struct Row {
    const char* what;
    std::string rules;
    const char* error;
  };
  const Row rows[] = {
      {"bad pattern",
       R"({"id_formats": [{"kind": "k", "pattern": "emr-.*", "example": "emr-1",
           "fields": {}, "source": "x"}], )" +
           ok_modes + ", " + ok_charges + "}",
       "pattern must be"},
      {"example that does not match",
       R"({"id_formats": [{"kind": "k", "pattern": "emr-[a-z0-9]{8}", "example": "emr-1",
           "fields": {}, "source": "x"}], )" +
           ok_modes + ", " + ok_charges + "}",
       "does not match"},
      {"a field with two formats",
       R"({"id_formats": [{"kind": "a", "pattern": "a-[a-z0-9]{2}", "example": "a-11",
           "fields": {"emr": ["X"]}, "source": "x"}, {"kind": "b", "pattern": "b-[a-z0-9]{2}",
           "example": "b-11", "fields": {"emr": ["X"]}, "source": "x"}], )" +
           ok_modes + ", " + ok_charges + "}",
       "has two formats"},
      {"empty TimeSpan",
       R"({"id_formats": [], "pay_modes": [{"PayMode": 0, "name": "h", "TimeUnit": "s",
           "TimeSpan": [], "TimeSpanUnit": "seconds", "source": "x"}], )" +
           ok_charges + "}",
       "non-empty array of integers"},
      {"prepaid without its PayMode",
       R"({"id_formats": [], )" + ok_modes +
           R"(, "charge_types": [{"InstanceChargeType": "PREPAID", "prepaid_pay_mode": 1,
              "source": "x"}]})",
       "no PayMode 1"},
      {"unknown key", R"({"id_formats": [], )" + ok_modes + ", " + ok_charges + R"(, "x": 1})",
       "unknown key"},
  };
  for (const Row& r : rows) {
    auto parsed = Catalog::parse(with_rules(r.rules));
    ASSERT_FALSE(parsed.ok()) << r.what;
    EXPECT_NE(parsed.error().message.find(r.error), std::string::npos)
        << r.what << ": " << parsed.error().message;
  }
}

}  // namespace param_rules_test
}  // namespace tcplan::api
