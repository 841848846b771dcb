// The HTML report of a trail made by a real `tcplan apply` against the emulator, rendered in
// headless Chromium: the DOM shows every step, a predicted price and an actual cost for the
// create and scale-out steps, and the verification verdict with the seal key's fingerprint
// and the witness. The test run leaves a screenshot for people to look at:
// <build dir>/audit-report.png.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <regex>

#include "audit/seal.h"
#include "tests/audit/fixture.h"
#include "tests/executor/e2e.h"

namespace tcplan::audit::testing {
namespace report_e2e_test {

using namespace tcplan::testing;
using namespace tcplan::testing::e2e;

std::filesystem::path report_plan() {
  return std::filesystem::path(TCPLAN_SOURCE_DIR) / "tests" / "audit" / "data" / "report-run.toml";
}

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

// The text of the first element after `anchor` whose opening tag contains `cls`.
std::string cell_after(const std::string& dom, const std::string& anchor, const std::string& cls) {
  auto at = dom.find(anchor);
  if (at == std::string::npos) return "<no " + anchor + ">";
  at = dom.find(cls, at);
  if (at == std::string::npos) return "<no " + cls + ">";
  auto open = dom.find('>', at);
  auto close = dom.find('<', open);
  return dom.substr(open + 1, close - open - 1);
}

std::string element_text(const std::string& dom, const std::string& id) {
  return cell_after(dom, "id=\"" + id + "\"", "id=\"" + id + "\"");
}

TEST(ReportOfARealApply, ChromiumShowsEveryStepPricesActualCostAndTheVerdict) {
  LocalCloudOptions options;
  options.fixture = fleet_fixture();
  LocalCloud cloud(options);
  Bed bed;
  auto applied = bed.apply(cloud, report_plan());
  ASSERT_EQ(applied.exit_code, 0) << dump(applied);
  std::string run = run_id_of(applied);
  ASSERT_FALSE(run.empty()) << dump(applied);

  auto html = bed.dir / "report.html";
  std::vector<std::string> report{"audit", "report", run, "--html", html.string()};
  // A team store's seals are by each operator's key: there only --audit-key pins one
  // (docs/team.md); a SQLite trail pins the key beside it by default.
  if (tcplan::testing::testing_postgres()) {
    report.insert(report.end(), {"--audit-key", default_key_path(bed.db).string()});
  }
  auto written = bed.tcplan(cloud, report);
  ASSERT_EQ(written.exit_code, 0) << dump(written);
  struct stat st {};
  ASSERT_EQ(::stat(html.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "reports are private unless --mode says otherwise";

  TempDir profile;
  RunOptions slow;
  slow.timeout = std::chrono::seconds(180);
  auto dom = run_process(chromium(profile, {"--dump-dom", "file://" + html.string()}), slow);
  ASSERT_EQ(dom.exit_code, 0) << dom.err;
  const std::string& d = dom.out;
  EXPECT_NE(d.find("data-script=\"ran\""), std::string::npos) << "the page's script did not run";

  for (const char* step : {"create", "wait-created", "grow", "wait-grow", "shrink", "wait-shrink",
                           "terminate", "wait-gone"}) {
    std::string row = "<tr class=\"cost-row\" data-step=\"" + std::string(step) + "\">";
    EXPECT_NE(d.find(row), std::string::npos) << step << " has no cost row";
    EXPECT_NE(d.find("<tr class=\"step\" data-step=\"" + std::string(step) + "\">"),
              std::string::npos)
        << step << " has no step row";
    EXPECT_NE(d.find("<section class=\"step-calls\" data-step=\"" + std::string(step) + "\">"),
              std::string::npos)
        << step << " has no requests section";
  }
  const std::regex price(R"(\d+\.\d\d CNY/hour \(list \d+\.\d\d\))");
  const std::regex amount(R"(\d+\.\d\d)");
  for (const char* step : {"create", "grow"}) {
    std::string row = "data-step=\"" + std::string(step) + "\"><td class=\"mono\">";
    std::string quoted = cell_after(d, row, "class=\"price\"");
    EXPECT_TRUE(std::regex_match(quoted, price)) << step << " price: " << quoted;
    std::string actual = cell_after(d, row, "class=\"actual\"");
    EXPECT_TRUE(std::regex_match(actual, amount)) << step << " actual cost: " << actual;
  }
  EXPECT_EQ(cell_after(d, "data-step=\"shrink\"><td class=\"mono\">", "class=\"price\""),
            "not billable");

  EXPECT_EQ(element_text(d, "verdict"), "Verified: chain intact, run sealed");
  auto key = SealKey::load(default_key_path(bed.db));
  ASSERT_TRUE(key);
  EXPECT_EQ(element_text(d, "v-key"), key->fingerprint());
  EXPECT_NE(element_text(d, "v-pinned").find("yes: every seal is by key " + key->fingerprint()),
            std::string::npos)
      << element_text(d, "v-pinned");
  EXPECT_NE(element_text(d, "v-witness").find("is in the trail (not cut back)"), std::string::npos)
      << element_text(d, "v-witness");
  // Requests are shown redacted: the signature never.
  EXPECT_NE(d.find("Signature=[REDACTED]"), std::string::npos);

  // A screenshot for people (docs/audit-report.png is a copy of one).
  TempDir shot_profile;
  auto png = std::filesystem::path(TCPLAN_BINARY).parent_path().parent_path() / "audit-report.png";
  auto shot =
      run_process(chromium(shot_profile, {"--screenshot=" + png.string(), "--window-size=1280,2000",
                                          "file://" + html.string()}),
                  slow);
  ASSERT_EQ(shot.exit_code, 0) << shot.err;
  std::string bytes = read_file(png);
  ASSERT_GT(bytes.size(), 10000u);
  EXPECT_EQ(bytes.substr(1, 3), "PNG");
}

}  // namespace report_e2e_test
}  // namespace tcplan::audit::testing
