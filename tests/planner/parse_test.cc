// Parsing: durations, references, diagnostics rendering, and hostile input (not TOML, not
// UTF-8, empty, too large, nested 10,000 deep) that must end in a clear error, never a crash.
#include "planner/parse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "base/duration.h"
#include "planner/diagnostics.h"
#include "planner/reference.h"
#include "tests/testing/process.h"

namespace tcplan::planner {
namespace parse_test {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(Duration, ParsesEveryDocumentedForm) {
  EXPECT_EQ(base::parse_duration("500ms"), Millis(500));
  EXPECT_EQ(base::parse_duration("45s"), Millis(45'000));
  EXPECT_EQ(base::parse_duration("30m"), Millis(1'800'000));
  EXPECT_EQ(base::parse_duration("2h"), Millis(7'200'000));
  EXPECT_EQ(base::parse_duration("1h30m"), Millis(5'400'000));
  EXPECT_EQ(base::parse_duration("1h30m15s250ms"), Millis(5'415'250));
}

TEST(Duration, RejectsMalformed) {
  for (const char* bad :
       {"", "5", "m", "1d", "30m1h", "1h1h", "-5s", "5 s", "1.5h", "99999999999h"}) {
    EXPECT_FALSE(base::parse_duration(bad)) << bad;
  }
}

TEST(Duration, FormatsShortest) {
  EXPECT_EQ(base::format_duration(Millis(5'400'000)), "1h30m");
  EXPECT_EQ(base::format_duration(Millis(500)), "500ms");
  EXPECT_EQ(base::format_duration(Millis(0)), "0s");
}

TEST(Duration, FormatsElapsedForPeople) {
  const struct {
    long long ms;
    const char* text;
  } cases[] = {
      {0, "0.0s"},          {450, "0.4s"},           {10'250, "10.2s"},     {59'999, "59.9s"},
      {60'000, "1m0s"},     {245'000, "4m5s"},       {3'599'999, "59m59s"}, {3'600'000, "1h0m"},
      {4'350'000, "1h12m"}, {172'799'999, "47h59m"}, {172'800'000, "2d0h"}, {529'200'000, "6d3h"},
      {-5, "0.0s"}};
  for (const auto& c : cases)
    EXPECT_EQ(base::format_elapsed(Millis(c.ms)), c.text) << c.ms;
  // Rounded up (what a plan needs): at the unit shown, carrying into the next unit.
  const struct {
    long long ms;
    const char* text;
  } up[] = {{0, "0.0s"},         {401, "0.5s"},       {59'901, "1m0s"},     {61'000, "1m1s"},
            {3'599'001, "1h0m"}, {3'600'001, "1h1m"}, {172'740'001, "2d0h"}};
  for (const auto& c : up)
    EXPECT_EQ(base::format_elapsed(Millis(c.ms), true), c.text) << c.ms;
}

TEST(Reference, ParsesEveryForm) {
  auto t = parse_template("${vars.a}-${vars.b[2]}-${steps.grow.FlowId}-${item}-${env.X}-${run.id}");
  ASSERT_TRUE(t.ok()) << t.error().message;
  auto refs = t->references();
  ASSERT_EQ(refs.size(), 6u);
  EXPECT_EQ(refs[0]->kind, Reference::Kind::kVar);
  EXPECT_EQ(refs[1]->index, 2u);
  EXPECT_EQ(refs[2]->kind, Reference::Kind::kStep);
  EXPECT_EQ(refs[2]->name, "grow");
  EXPECT_EQ(refs[2]->field, "FlowId");
  EXPECT_EQ(refs[3]->kind, Reference::Kind::kItem);
  EXPECT_EQ(refs[4]->kind, Reference::Kind::kEnv);
  EXPECT_EQ(refs[5]->kind, Reference::Kind::kRun);
  EXPECT_EQ(refs[2]->offset, 23u);
  EXPECT_EQ(t->whole(), nullptr);
}

TEST(Reference, WholeAndEscapes) {
  auto t = parse_template("${vars.a}");
  ASSERT_TRUE(t.ok());
  ASSERT_NE(t->whole(), nullptr);
  auto e = parse_template("$${vars.a} costs $5");
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(e->has_references());
  ASSERT_EQ(e->parts.size(), 1u);
  EXPECT_EQ(std::get<std::string>(e->parts[0]), "${vars.a} costs $5");
}

TEST(Reference, Errors) {
  EXPECT_FALSE(parse_template("${vars.a").ok());
  EXPECT_FALSE(parse_template("${nope}").ok());
  EXPECT_FALSE(parse_template("${steps.a}").ok());
  EXPECT_FALSE(parse_template("${run.ident}").ok());
  EXPECT_FALSE(parse_template("${vars.a[x]}").ok());
  EXPECT_EQ(parse_template("ab${env.}").error().offset, 2u);
}

TEST(Diagnostics, RendersSourceLineAndCaret) {
  Diagnostics d("plans/x.toml", "a = 1\n  IntanceId = 2\n");
  d.error({2, 3}, "unknown key 'IntanceId'");
  d.warning({1, 1}, "later");
  EXPECT_EQ(d.render(),
            "plans/x.toml:2:3: error: unknown key 'IntanceId'\n"
            "    IntanceId = 2\n"
            "    ^\n"
            "plans/x.toml:1:1: warning: later\n"
            "  a = 1\n"
            "  ^\n");
  EXPECT_EQ(d.errors(), 1u);
  EXPECT_EQ(d.warnings(), 1u);
}

TEST(Diagnostics, DidYouMean) {
  EXPECT_EQ(did_you_mean("IntanceId", {"InstanceId", "TaskCount"}),
            " (did you mean 'InstanceId'?)");
  EXPECT_EQ(did_you_mean("zzz", {"InstanceId"}), "");
  EXPECT_EQ(edit_distance("grwo", "grow"), 1u);
}

std::string first_error(const std::string& text) {
  Diagnostics d("bad.toml");
  auto plan = parse_plan("bad.toml", text, d);
  EXPECT_FALSE(plan.has_value());
  EXPECT_TRUE(d.has_errors());
  return d.all().empty() ? "" : d.headline(d.all()[0]);
}

TEST(BadInput, NotToml) {
  EXPECT_THAT(first_error("version = 1\nname = \n"),
              StartsWith("bad.toml:2:8: error: not a valid TOML document"));
  EXPECT_THAT(first_error("{\"json\": true}"), HasSubstr("error: not a valid TOML document"));
}

TEST(BadInput, NotUtf8) {
  EXPECT_EQ(first_error("version = 1\nname = \"a\xff\"\n"),
            "bad.toml:2:10: error: file is not valid UTF-8 (TOML files must be UTF-8)");
  EXPECT_THAT(first_error("x = \"\xc0\xaf\"\n"), HasSubstr("not valid UTF-8"));      // overlong
  EXPECT_THAT(first_error("x = \"\xed\xa0\x80\"\n"), HasSubstr("not valid UTF-8"));  // surrogate
  EXPECT_THAT(first_error("x = \"\xe2\x82\"\n"), HasSubstr("not valid UTF-8"));      // truncated
}

TEST(BadInput, Empty) {
  EXPECT_EQ(
      first_error(""),
      "bad.toml: error: file is empty: a plan needs at least version, name and one [[steps]]");
  EXPECT_THAT(first_error(" \n\t\n"), HasSubstr("file is empty"));
}

TEST(BadInput, TooLarge) {
  std::string big(50u << 20, '#');
  EXPECT_THAT(first_error(big), HasSubstr("file is too large (52428800 bytes"));
}

TEST(BadInput, TooLargeFileIsNotRead) {
  testing::TempDir dir;
  const auto path = dir / "big.toml";
  testing::write_file(path, std::string(50u << 20, '#'));
  Diagnostics d(path.string());
  EXPECT_FALSE(load_plan(path, d).has_value());
  EXPECT_THAT(d.render(), HasSubstr("file is too large"));
}

TEST(BadInput, NestedTenThousandDeep) {
  EXPECT_THAT(first_error("x = " + std::string(10'000, '[') + std::string(10'000, ']') + "\n"),
              HasSubstr("not a valid TOML document"));
  EXPECT_THAT(first_error("x = " +
                          [] {
                            std::string s;
                            for (int i = 0; i < 10'000; ++i)
                              s += "{a = ";
                            s += "1";
                            for (int i = 0; i < 10'000; ++i)
                              s += "}";
                            return s;
                          }() +
                          "\n"),
              HasSubstr("not a valid TOML document"));
}

TEST(BadInput, DeepDottedTablesInParamsAreRefused) {
  std::string key;
  for (int i = 0; i < 10'000; ++i)
    key += (i ? ".k" : "k");
  Diagnostics d("deep.toml");
  auto plan = parse_plan("deep.toml",
                         "version = 1\nname = \"d\"\n[[steps]]\nid = \"a\"\nkind = \"call\"\n"
                         "service = \"emr\"\naction = \"DescribeInstances\"\n[steps.params]\n" +
                             key + " = 1\n",
                         d);
  EXPECT_TRUE(d.has_errors());
  EXPECT_THAT(d.render(), HasSubstr("nested more than 32 levels deep"));
}

TEST(BadInput, MissingFile) {
  Diagnostics d("/nonexistent/plan.toml");
  EXPECT_FALSE(load_plan("/nonexistent/plan.toml", d).has_value());
  EXPECT_THAT(d.render(), StartsWith("/nonexistent/plan.toml: error: cannot read the plan"));
}

}  // namespace parse_test
}  // namespace tcplan::planner
