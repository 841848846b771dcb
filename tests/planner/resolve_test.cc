// Reference resolution as the executor uses it: types preserved for whole-string references,
// text interpolation otherwise, for_each items and outputs, env values tracked for redaction.
#include "planner/resolve.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "planner/parse.h"

namespace tcplan::planner {
namespace resolve_test {

namespace json = boost::json;

Plan parse(const std::string& text) {
  Diagnostics d("r.toml");
  auto plan = parse_plan("r.toml", text, d);
  EXPECT_TRUE(plan && !d.has_errors()) << d.render();
  return std::move(*plan);
}

const char* kPlan = R"(version = 1
name = "r"
[vars]
count = 4
clusters = ["emr-aaaaaaaa", "emr-bbbbbbbb"]
[[steps]]
id = "grow"
kind = "scale_out"
[steps.params]
InstanceId = "${vars.clusters[1]}"
TaskCount = "${vars.count}"
YarnNodeLabel = "n${vars.count}-${run.id}"
ScaleOutServiceConfAssign = "$${literal}"
[[steps]]
id = "next"
kind = "call"
service = "emr"
action = "DescribeClusterNodes"
for_each = "${vars.clusters}"
[steps.params]
InstanceId = "${item}"
NodeFlag = "${steps.grow.FlowId}"
Offset = "${steps.grow.DealNames[1]}"
SearchFields = [{ SearchType = "${env.SECRET_THING}", SearchValue = "x" }]
)";

TEST(Resolve, TypesPreservedInterpolationAndEscapes) {
  Plan plan = parse(kPlan);
  ResolveContext ctx;
  ctx.plan = &plan;
  ctx.run_id = "run-7";
  auto r = resolve_params(plan.steps[0], ctx);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->params.at("InstanceId"), "emr-bbbbbbbb");
  EXPECT_TRUE(r->params.at("TaskCount").is_int64());
  EXPECT_EQ(r->params.at("TaskCount").as_int64(), 4);
  EXPECT_EQ(r->params.at("YarnNodeLabel"), "n4-run-7");
  EXPECT_EQ(r->params.at("ScaleOutServiceConfAssign"), "${literal}");
  EXPECT_TRUE(r->from_env.empty());
}

TEST(Resolve, OutputsItemsAndEnv) {
  Plan plan = parse(kPlan);
  ResolveContext ctx;
  ctx.plan = &plan;
  ctx.outputs["grow"] = json::object{{"FlowId", 1234}, {"DealNames", json::array{"a", "b"}}};
  ctx.env = [](std::string_view name) -> std::optional<std::string> {
    if (name == "SECRET_THING") return "s3cr3t";
    return std::nullopt;
  };
  auto items = resolve_for_each(plan.steps[1], ctx);
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 2u);
  ctx.item = &(*items)[0];
  auto r = resolve_params(plan.steps[1], ctx);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->params.at("InstanceId"), "emr-aaaaaaaa");
  EXPECT_EQ(r->params.at("NodeFlag").as_int64(), 1234);
  EXPECT_EQ(r->params.at("Offset"), "b");
  EXPECT_EQ(r->params.at("SearchFields").as_array()[0].as_object().at("SearchType"), "s3cr3t");
  EXPECT_EQ(r->from_env, std::set<std::string>{"SearchFields[0].SearchType"});
}

TEST(Resolve, ForEachStepOutputsAreLists) {
  Plan plan = parse(kPlan);
  ResolveContext ctx;
  ctx.plan = &plan;
  ctx.outputs["next"] = json::array{json::object{{"TotalCnt", 3}}, json::object{{"TotalCnt", 5}}};
  auto v = resolve_value(json::value("${steps.next.TotalCnt}"), ctx);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(json::serialize(*v), "[3,5]");
}

TEST(Resolve, MissingOutputIsAnErrorUnlessPreviewing) {
  Plan plan = parse(kPlan);
  ResolveContext ctx;
  ctx.plan = &plan;
  ctx.env = [](std::string_view) { return std::optional<std::string>("v"); };
  json::value item("emr-aaaaaaaa");
  ctx.item = &item;
  auto r = resolve_params(plan.steps[1], ctx);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("step 'grow' has no output 'FlowId'"));
  ctx.allow_unknown_outputs = true;
  auto p = resolve_params(plan.steps[1], ctx);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->params.at("NodeFlag"), "(known after apply)");
  EXPECT_TRUE(p->unknown.count("NodeFlag"));
}

TEST(Resolve, MissingEnvAndItemOutsideForEach) {
  Plan plan = parse(kPlan);
  ResolveContext ctx;
  ctx.plan = &plan;
  ctx.env = [](std::string_view) { return std::nullopt; };
  auto v = resolve_value(json::value("${env.NOPE}"), ctx);
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(v.error().message, ::testing::HasSubstr("environment variable NOPE is not set"));
  EXPECT_FALSE(resolve_value(json::value("${item}"), ctx).ok());
}

}  // namespace resolve_test
}  // namespace tcplan::planner
