// The report's parts on a fixture trail: projection, exports, escaping, the cost comparison
// and the pack. (The report of a real apply in headless Chromium: report_e2e_test.cc.)
#include <gtest/gtest.h>

#include "audit/export.h"
#include "audit/pack.h"
#include "audit/projection.h"
#include "audit/report_cost.h"
#include "audit/report_html.h"
#include "audit/verify.h"
#include "tests/audit/fixture.h"

namespace tcplan::audit::testing {
namespace report_test {

using tcplan::testing::run_process;
using tcplan::testing::TempDir;

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = SealKey::load_or_create(dir_ / "k.pem");
    ASSERT_TRUE(key);
    store_ = open_store(dir_ / "a.db");
    write_run(*store_, "run-1", *key);
    // A step id that must be escaped, and an in-flight call.
    ASSERT_TRUE(store_->append(make(EventKind::kRunStarted, "run-2")));
    ASSERT_TRUE(store_->append(make(EventKind::kStepStarted, "run-2", "scale<out>&\"x\"")));
    Event req = make(EventKind::kRequestSent, "run-2", "scale<out>&\"x\"", R"({"body":{}})");
    req.action = "ScaleOutInstance";
    req.attempt = 1;
    ASSERT_TRUE(store_->append(req));
  }
  std::string render(const std::string& run) {
    auto events = store_->run_events(run);
    EXPECT_TRUE(events);
    VerifyOptions o;
    o.run_id = run;
    auto chain = verify_store(*store_, o);
    EXPECT_TRUE(chain);
    return render_html_report(project_run(*events), *events, *chain);
  }
  TempDir dir_;
  std::unique_ptr<EventStore> store_;
};

TEST_F(ReportTest, ProjectionRebuildsStepsAttemptsAndIds) {
  auto run = load_run(*store_, "run-1");
  ASSERT_TRUE(run);
  EXPECT_EQ(run->status, "succeeded");
  EXPECT_TRUE(run->sealed);
  ASSERT_EQ(run->steps.size(), 2u);
  const StepState* create = run->step("create");
  ASSERT_NE(create, nullptr);
  EXPECT_EQ(create->status, "succeeded");
  EXPECT_EQ(create->attempts, 2);
  EXPECT_EQ(create->retries, 1);
  EXPECT_EQ(create->calls.size(), 2u);
  EXPECT_EQ(create->client_token, "tok-1");
  EXPECT_EQ(create->resource_ids, std::vector<std::string>{"emr-abc"});
  EXPECT_EQ(create->flow_ids, std::vector<std::string>{"42"});
  EXPECT_FALSE(create->in_flight());
  auto open = load_run(*store_, "run-2");
  ASSERT_TRUE(open);
  EXPECT_EQ(open->status, "running");
  EXPECT_FALSE(open->sealed);
  ASSERT_EQ(open->steps.size(), 1u);
  ASSERT_TRUE(open->steps[0].in_flight());
  EXPECT_EQ(open->steps[0].in_flight()->action, "ScaleOutInstance");
  EXPECT_FALSE(load_run(*store_, "nope"));
}

TEST_F(ReportTest, JsonlExportVerifiesOnItsOwn) {
  auto all = store_->query({});
  ASSERT_TRUE(all);
  auto parsed = parse_jsonl(to_jsonl(*all));
  ASSERT_TRUE(parsed) << parsed.error().message;
  ChainVerifier v({});
  for (const auto& e : *parsed)
    ASSERT_TRUE(v.feed(e)) << e.seq;
  auto r = v.finish();
  EXPECT_TRUE(r.intact());
  EXPECT_EQ(r.events, static_cast<std::int64_t>(all->size()));
  // One run only (gaps allowed): rows and seals still check; an edited line does not.
  auto one = store_->run_events("run-1");
  ASSERT_TRUE(one);
  std::string text = to_jsonl(*one);
  text.replace(text.find("emr-abc"), 7, "emr-xyz");
  auto edited = parse_jsonl(text);
  ASSERT_TRUE(edited);
  VerifyOptions gaps;
  gaps.allow_gaps = true;
  ChainVerifier gv(gaps);
  for (const auto& e : *edited)
    gv.feed(e);
  auto bad = gv.finish();
  ASSERT_TRUE(bad.problem);
  EXPECT_EQ(bad.problem->kind, ProblemKind::kHashMismatch);
}

TEST_F(ReportTest, CsvQuotesFieldsWithCommasAndQuotes) {
  auto events = store_->run_events("run-2");
  ASSERT_TRUE(events);
  std::string csv = to_csv(*events);
  EXPECT_EQ(csv.rfind("schema,seq,time,time_ms,kind,", 0), 0u) << csv.substr(0, 80);
  EXPECT_NE(csv.find("\"scale<out>&\"\"x\"\"\""), std::string::npos) << csv;
  size_t rows = 0;
  for (size_t p = 0; (p = csv.find("\r\n", p)) != std::string::npos; p += 2)
    ++rows;
  EXPECT_EQ(rows, events->size() + 1);
}

TEST_F(ReportTest, HtmlIsSelfContainedAndEscaped) {
  std::string html = render("run-2");
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("scale<out>"), std::string::npos);
  EXPECT_NE(html.find("scale&lt;out&gt;&amp;&quot;x&quot;"), std::string::npos);
  EXPECT_NE(html.find("in flight"), std::string::npos);
}

// Predicted vs actual: the preview's price (in the shape apply records it), how long each
// step's additions existed (until the step the preview named removed them, or the end of the
// run), scaled back to cloud time.
TEST(ReportCost, PredictedPriceAndCostOverTheTimeResourcesExisted) {
  auto ev = [](EventKind kind, const std::string& step, std::int64_t t, const std::string& p) {
    Event e = make(kind, "r", step, p);
    e.time_ms = t;
    return e;
  };
  auto call = [&](const std::string& step, std::int64_t sent, std::int64_t got, int status,
                  const std::string& code) {
    Event req = ev(EventKind::kRequestSent, step, sent, "{}");
    req.action = "Act";
    req.attempt = 1;
    Event resp = req;
    resp.kind = EventKind::kResponseReceived;
    resp.time_ms = got;
    resp.http_status = status;
    resp.error_code = code;
    return std::vector<Event>{req, resp};
  };
  std::string preview =
      R"({"steps":[)"
      R"({"id":"create","billable":true,"price":{"original":5,"discounted":4,"unit":"hour",)"
      R"("currency":"CNY","hourly":{"original":5,"discounted":4}},)"
      R"("window":{"hours":3,"cost":{"original":15,"discounted":12},"removed_by":"gone"},)"
      R"("duration":{"predicted_ms":90000}},)"
      R"({"id":"grow","billable":true,"price":{"original":720,"discounted":360,"unit":"month",)"
      R"("currency":"CNY"},"window":null},)"
      R"({"id":"failed-grow","billable":true,"price":{"original":2,"discounted":2,"unit":"hour",)"
      R"("currency":"CNY","hourly":{"original":2,"discounted":2}},"window":null},)"
      R"({"id":"gone","billable":false,"price":null}],"total":{"currency":"CNY"}})";
  std::vector<Event> events = {
      ev(EventKind::kRunStarted, "", 0, R"({"time_scale":60})"),
      ev(EventKind::kPreviewDigest, "", 1, preview),
      ev(EventKind::kStepStarted, "create", 1000, "{}"),
  };
  for (auto& e : call("create", 1000, 1060, 200, ""))
    events.push_back(e);
  events.push_back(ev(EventKind::kStepFinished, "create", 2000, R"({"status":"succeeded"})"));
  events.push_back(ev(EventKind::kStepStarted, "grow", 2000, "{}"));
  for (auto& e : call("grow", 2000, 2060, 200, ""))
    events.push_back(e);
  events.push_back(ev(EventKind::kStepFinished, "grow", 3000, R"({"status":"succeeded"})"));
  events.push_back(ev(EventKind::kStepStarted, "failed-grow", 3000, "{}"));
  for (auto& e : call("failed-grow", 3000, 3010, 400, "LimitExceeded"))
    events.push_back(e);
  events.push_back(ev(EventKind::kStepFinished, "failed-grow", 3100, R"({"status":"failed"})"));
  events.push_back(ev(EventKind::kStepStarted, "gone", 61000, "{}"));
  events.push_back(ev(EventKind::kStepFinished, "gone", 61060, R"({"status":"succeeded"})"));
  events.push_back(ev(EventKind::kRunFinished, "", 121060, R"({"status":"failed"})"));

  for (std::size_t i = 0; i < events.size(); ++i)
    events[i].seq = static_cast<std::int64_t>(i) + 1;
  CostSummary c = compute_costs(project_run(events), events);
  ASSERT_TRUE(c.has_preview);
  EXPECT_EQ(c.time_scale, 60);
  ASSERT_EQ(c.steps.size(), 4u);
  const StepCost& create = c.steps[0];
  EXPECT_EQ(*create.quoted_discounted, 4);
  EXPECT_EQ(*create.hourly, 4);
  EXPECT_EQ(*create.predicted, 12);
  EXPECT_DOUBLE_EQ(*create.duration_s, 60);  // 1 s of wall time at scale 60
  EXPECT_DOUBLE_EQ(*create.predicted_duration_s, 90);
  // From its answer (1.06 s) to "gone" finishing (61.06 s): 60 s x 60 = 1 hour.
  EXPECT_DOUBLE_EQ(*create.existed_hours, 1.0);
  EXPECT_FALSE(create.still_exists);
  EXPECT_DOUBLE_EQ(*create.actual, 4.0);
  const StepCost& grow = c.steps[1];
  EXPECT_DOUBLE_EQ(*grow.hourly, 0.5) << "a monthly price per hour (720 h)";
  EXPECT_FALSE(grow.predicted);
  EXPECT_FALSE(grow.predicted_duration_s);
  EXPECT_TRUE(grow.still_exists);  // nothing removes it: billed to the end of the run
  EXPECT_DOUBLE_EQ(*grow.existed_hours, (121060.0 - 2060.0) / 3600000.0 * 60);
  const StepCost& failed = c.steps[2];
  EXPECT_EQ(failed.status, "failed");
  EXPECT_DOUBLE_EQ(*failed.actual, 0) << "a failed step added nothing";
  EXPECT_FALSE(c.steps[3].billable);
  EXPECT_FALSE(c.predicted_total) << "grow's predicted cost is unknown";
  EXPECT_DOUBLE_EQ(*c.actual_total, 4.0 + *grow.actual);
}

TEST_F(ReportTest, PackWritesFilesWithMatchingManifestAndRecordsTheExport) {
  auto key = SealKey::load(dir_ / "k.pem");
  ASSERT_TRUE(key);
  PackOptions po;
  po.signer = &*key;
  auto files = pack_run(*store_, "run-1", dir_ / "pack", po);
  ASSERT_TRUE(files) << files.error().message;
  ASSERT_EQ(files->size(), 3u);
  tcplan::testing::RunOptions in_pack;
  in_pack.cwd = dir_ / "pack";
  auto check = run_process({find_program("sha256sum"), "-c", "SHA256SUMS"}, in_pack);
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  auto exported = store_->query(of_kind(EventKind::kTrailExported));
  ASSERT_TRUE(exported);
  ASSERT_EQ(exported->size(), 1u);
  EXPECT_NE(exported->at(0).payload.find(files->at(0).sha256), std::string::npos);
}

}  // namespace report_test
}  // namespace tcplan::audit::testing
