// The HTML report opened in headless Chromium: after its script ran, the rendered DOM shows
// every step id and the chain status; a screenshot renders. Also projection and exports.
#include <gtest/gtest.h>

#include "audit/export.h"
#include "audit/pack.h"
#include "audit/projection.h"
#include "audit/report_html.h"
#include "audit/verify.h"
#include "tests/audit/fixture.h"

namespace tcplan::audit::testing {
namespace {

using tcplan::testing::read_file;
using tcplan::testing::run_process;
using tcplan::testing::TempDir;
using tcplan::testing::write_file;

std::vector<std::string> chromium(const TempDir& profile, std::vector<std::string> extra) {
  std::vector<std::string> argv = {find_program("chromium"),
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--disable-quic",
                                   "--no-first-run",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-sync",
                                   "--user-data-dir=" + profile.path().string()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

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

TEST_F(ReportTest, RenderedInHeadlessChromiumShowsStepsAndChainStatus) {
  std::string file = (dir_ / "report.html").string();
  write_file(file, render("run-1"));
  TempDir profile;
  tcplan::testing::RunOptions opts;
  opts.timeout = std::chrono::seconds(120);
  auto dom = run_process(chromium(profile, {"--dump-dom", "file://" + file}), opts);
  ASSERT_EQ(dom.exit_code, 0) << dom.err;
  EXPECT_NE(dom.out.find("data-script=\"ran\""), std::string::npos) << "script did not run";
  EXPECT_NE(dom.out.find("events shown"), std::string::npos);
  for (const char* step : {"create", "wait-create"}) {
    EXPECT_NE(dom.out.find("data-step=\"" + std::string(step) + "\""), std::string::npos) << step;
  }
  EXPECT_NE(dom.out.find("Chain intact, run sealed"), std::string::npos);
  EXPECT_NE(dom.out.find("<svg id=\"timeline\""), std::string::npos);

  TempDir shot_profile;
  std::string png = (dir_ / "shot.png").string();
  auto shot = run_process(
      chromium(shot_profile, {"--screenshot=" + png, "--window-size=1280,1600", "file://" + file}),
      opts);
  ASSERT_EQ(shot.exit_code, 0) << shot.err;
  std::string bytes = read_file(png);
  ASSERT_GT(bytes.size(), 1000u);
  EXPECT_EQ(bytes.substr(1, 3), "PNG");
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

}  // namespace
}  // namespace tcplan::audit::testing
