// `tcplan audit ...` end to end through the binary: exit codes (0 intact, 1 not, 2 usage),
// what each subcommand prints or writes, and that reads are recorded as events. On either
// store (tests/testing/store.h).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "audit/verify.h"
#include "tests/audit/fixture.h"

namespace tcplan::audit::testing {
namespace audit_cli_test {

using tcplan::testing::read_file;
using tcplan::testing::run_tcplan;
using tcplan::testing::TempDir;

class AuditCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(make_side_file_dir(db()));
    auto key = SealKey::load_or_create(default_key_path(db()));
    ASSERT_TRUE(key);
    auto store = open_store(db());
    write_run(*store, "run-1", *key);
    write_run(*store, "run-2", *key);
  }
  std::string db() const { return db_.string(); }
  tcplan::testing::ProcessResult audit(std::vector<std::string> args) {
    args.insert(args.begin(), {"--audit-db", db(), "audit"});
    return run_tcplan(args);
  }
  TempDir dir_;
  std::filesystem::path db_ = tcplan::testing::test_store(dir_.path());
};

TEST_F(AuditCli, VerifyIntactTrailExitsZeroAndRecordsTheRead) {
  auto r = audit({"verify"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("chain intact: 28 events"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("seals: 2 valid"), std::string::npos) << r.out;
  auto store = open_store(db());
  auto reads = store->query(of_kind(EventKind::kTrailRead));
  ASSERT_TRUE(reads);
  ASSERT_EQ(reads->size(), 1u);
  EXPECT_NE(reads->at(0).payload.find("audit verify"), std::string::npos);
  // The read itself does not unseal the trail.
  EXPECT_EQ(audit({"verify"}).exit_code, 0);
}

TEST_F(AuditCli, VerifyNamesTheFirstBadSeqAndExitsOne) {
  tamper(db(), "UPDATE events SET payload = '{\"status\":\"failed\"}' WHERE seq = 9");
  auto r = audit({"verify"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("NOT INTACT: event 9: hash mismatch"), std::string::npos) << r.out;
}

// The report of a broken chain is still written (it shows the break), but the exit code says
// the chain does not verify: a script that only checks the exit code must not pass it.
TEST_F(AuditCli, ReportOfABrokenChainExitsOne) {
  tamper(db(), "UPDATE events SET payload = '{\"status\":\"failed\"}' WHERE seq = 9");
  const std::string html = (dir_ / "r.html").string();
  auto r = audit({"report", "run-1", "--html", html});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("NOT INTACT"), std::string::npos) << r.out;
  EXPECT_TRUE(std::filesystem::exists(html));
  auto json = audit({"verify", "--output", "json"});
  EXPECT_EQ(json.exit_code, 1);
  EXPECT_NE(json.out.find("\"intact\":false"), std::string::npos) << json.out;
}

TEST_F(AuditCli, VerifyWithAnotherTrustedKeyFails) {
  TempDir other;
  ASSERT_TRUE(SealKey::load_or_create(other / "k.pem"));
  auto r = audit({"verify", "--audit-key", (other / "k.pem").string()});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("seal invalid"), std::string::npos) << r.out;
}

TEST_F(AuditCli, ShowPrintsStepsAndTimeline) {
  auto r = audit({"show", "run-1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("run run-1: succeeded"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("step create"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("emr.CreateInstance  attempt=2  http=200  RequestId=req-2"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(audit({"show", "no-such-run"}).exit_code, 1);
}

TEST_F(AuditCli, ExportFiltersAndTheJsonlVerifiesOnItsOwn) {
  std::string out = (dir_ / "run1.jsonl").string();
  auto r = audit({"export", "--run", "run-1", "--format", "jsonl", "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string text = read_file(out);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 14);
  auto v = run_tcplan({"audit", "verify", "--jsonl", out});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  auto csv = audit({"export", "--action", "CreateInstance", "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 1 + 8);
  EXPECT_EQ(audit({"export", "--format", "xml"}).exit_code, 2);
  EXPECT_EQ(audit({"export"}).exit_code, 2);
  EXPECT_EQ(audit({"export", "--format", "csv", "--since", "yesterday"}).exit_code, 2);
}

TEST_F(AuditCli, ReportAndPackWriteFiles) {
  std::string html = (dir_ / "r.html").string();
  auto r = audit({"report", "run-1", "--html", html});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(read_file(html).find("Verified: chain intact, run sealed"), std::string::npos);
  auto p = audit({"pack", "run-2", (dir_ / "pack").string()});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  for (const char* f : {"events.jsonl", "events.csv", "report.html", "manifest.json",
                        "manifest.sig", "SHA256SUMS"}) {
    EXPECT_TRUE(std::filesystem::exists(dir_ / "pack" / f)) << f;
  }
  EXPECT_EQ(audit({"verify", "--pack", (dir_ / "pack").string()}).exit_code, 0);
}

// Exports, reports and packs are private (0600) whatever the umask, unless --mode says so.
TEST_F(AuditCli, FilesWrittenAre0600UnlessModeSaysOtherwise) {
  auto mode_of = [](const std::filesystem::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 0777;
  };
  ::umask(022);
  ASSERT_EQ(audit({"export", "--format", "csv", "--out", (dir_ / "a.csv").string()}).exit_code, 0);
  EXPECT_EQ(mode_of(dir_ / "a.csv"), 0600u);
  ASSERT_EQ(
      audit({"export", "--format", "jsonl", "--out", (dir_ / "b.jsonl").string(), "--mode", "0640"})
          .exit_code,
      0);
  EXPECT_EQ(mode_of(dir_ / "b.jsonl"), 0640u);
  ASSERT_EQ(audit({"report", "run-1", "--html", (dir_ / "r.html").string()}).exit_code, 0);
  EXPECT_EQ(mode_of(dir_ / "r.html"), 0600u);
  ASSERT_EQ(audit({"pack", "run-1", (dir_ / "p").string(), "--mode", "0644"}).exit_code, 0);
  EXPECT_EQ(mode_of(dir_ / "p" / "manifest.json"), 0644u);
  EXPECT_EQ(audit({"export", "--format", "csv", "--mode", "rw"}).exit_code, 2);
}

// Server strings reach the terminal escaped: an error code with an escape sequence in it.
TEST_F(AuditCli, ShowEscapesControlCharactersFromServers) {
  auto store = open_store(db());
  Event e = make(EventKind::kResponseReceived, "run-1", "create");
  e.action = "CreateInstance";
  e.error_code =
      "Bad\x1b]0;owned\x07"
      "Code";
  e.request_id = "req\r\nfake line";
  ASSERT_TRUE(store->append(e));
  auto r = audit({"show", "run-1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos);
  EXPECT_NE(r.out.find("error=Bad\\x1b]0;owned\\x07Code"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("RequestId=req\\r\\nfake line"), std::string::npos) << r.out;
}

// A trail nobody made: no file, or a database `audit init` never set up. Reading it makes
// nothing.
TEST_F(AuditCli, MissingDbIsAnErrorNotAnEmptyTrail) {
  const auto none = tcplan::testing::absent_store(dir_.path());
  auto r = run_tcplan({"--audit-db", none.string(), "audit", "verify"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(tcplan::testing::absent_store_message()), std::string::npos) << r.err;
  EXPECT_FALSE(tcplan::testing::trail_written(none));
}

}  // namespace audit_cli_test
}  // namespace tcplan::audit::testing
