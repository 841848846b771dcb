// The canary: a SecretKey, an X-TC-Token, a LoginSettings.Password, a MetaDataPass and
// ${env.X} values (one under a name that says nothing), used through `call`, `plan`, `apply`
// and `audit export|report|pack|verify` at --log-level trace, appear in no byte of stdout,
// stderr, the DB and its WAL (on PostgreSQL: the database's files, the server's WAL and its
// log), the exports, the report or the pack. Against the real emulator over loopback, with a
// key pair that requires the session token.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>

#include "audit/location.h"
#include "emulator/local_emulator.h"
#include "tests/audit/fixture.h"
#include "tests/executor/e2e.h"

namespace tcplan::audit::testing {
namespace canary_e2e_test {

using namespace tcplan::testing;
using namespace tcplan::testing::e2e;

constexpr const char* kSecretId = "AKIDcanary0000000000000000000000000";
constexpr const char* kSecretKey = "CanarySecretKey0f3e9d2c7b6a5";
constexpr const char* kToken = "CanarySessionTok9a8b7c6d5e";
constexpr const char* kEnvLogin = "CnryLgn7Qx2w";         // ${env.TCPLAN_CANARY_LOGIN}
constexpr const char* kEnvMetaPass = "CnryMetaPw-93z";    // ${env.TCPLAN_CANARY_META_PASS}
constexpr const char* kEnvDbUser = "cnry-dbuser-5k8";     // ${env.TCPLAN_CANARY_DB_USER}
constexpr const char* kCallLogin = "CnryCall4Pw9";        // literal in `call` params
constexpr const char* kCallMetaPass = "CnryCallMeta-71";  // literal in `call` params

const std::vector<std::string>& canaries() {
  static const std::vector<std::string> all = {kSecretKey, kToken,     kEnvLogin,    kEnvMetaPass,
                                               kEnvDbUser, kCallLogin, kCallMetaPass};
  return all;
}

std::filesystem::path canary_plan() {
  return std::filesystem::path(TCPLAN_SOURCE_DIR) / "tests" / "audit" / "data" / "canary.toml";
}

class Canary : public ::testing::Test {
 protected:
  void SetUp() override {
    keep_payloads_uncompressed(store_);
    write_file(keys_ / "credentials.toml", std::string("[[credentials]]\nsecret_id = \"") +
                                               kSecretId + "\"\nsecret_key = \"" + kSecretKey +
                                               "\"\ntoken = \"" + kToken + "\"\n");
    emulator::LocalEmulatorOptions o;
    o.time_scale = 1000;
    o.fixture_file = fleet_fixture();
    o.credentials_file = keys_ / "credentials.toml";
    cloud_ = emulator::LocalEmulator::start(o);
  }
  // Held open from the first command on: SQLite keeps the WAL file while a connection uses
  // it, so its bytes can be read at the end. (The server keeps PostgreSQL's.)
  void hold_the_wal() {
    if (testing_postgres()) return;
    ASSERT_EQ(sqlite3_open(store_.c_str(), &db_), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db_, "SELECT count(*) FROM events", nullptr, nullptr, nullptr),
              SQLITE_OK);
  }
  void TearDown() override { sqlite3_close(db_); }

  ProcessResult tcplan(std::vector<std::string> args, const std::string& format = "text") {
    std::vector<std::string> all = {"--endpoint",   cloud_->url(), "--region",     "ap-guangzhou",
                                    "--time-scale", "1000",        "--audit-db",   store_.string(),
                                    "--log-level",  "trace",       "--log-format", format};
    all.insert(all.end(), args.begin(), args.end());
    RunOptions o;
    o.cwd = dir_.path();
    o.env = {{"TENCENTCLOUD_SECRET_ID", kSecretId},
             {"TENCENTCLOUD_SECRET_KEY", kSecretKey},
             {"TENCENTCLOUD_TOKEN", kToken},
             {"TCPLAN_CANARY_LOGIN", kEnvLogin},
             {"TCPLAN_CANARY_META_PASS", kEnvMetaPass},
             {"TCPLAN_CANARY_DB_USER", kEnvDbUser},
             {"HOME", dir_.path().string()}};
    o.unset_env = {"TENCENTCLOUD_CREDENTIALS_FILE", "TENCENTCLOUD_REGION"};
    ProcessResult r = run_tcplan(all, o);
    outputs_.emplace_back(args.front() + (args.size() > 1 ? " " + args[1] : "") + " stdout", r.out);
    outputs_.emplace_back(args.front() + (args.size() > 1 ? " " + args[1] : "") + " stderr", r.err);
    return r;
  }

  TempDir keys_;  // the emulator's key file: not an output of tcplan
  TempDir dir_;   // everything tcplan writes: the trail, its key and witness, exports, packs
  std::filesystem::path store_ = test_store(dir_.path());  // on PostgreSQL: elsewhere, below
  std::filesystem::file_time_type started_ = std::filesystem::file_time_type::clock::now();
  std::unique_ptr<emulator::LocalEmulator> cloud_;
  sqlite3* db_ = nullptr;
  std::vector<std::pair<std::string, std::string>> outputs_;
};

TEST_F(Canary, NoSecretReachesAnyOutputOrFile) {
  std::string params = std::string(R"({"ProductId":44,"Software":["hdfs-3.2.2","yarn-3.2.2"],)") +
                       R"("SupportHA":0,"InstanceName":"canary-call","PayMode":0,"TimeUnit":"s",)" +
                       R"("TimeSpan":3600,"LoginSettings":{"Password":")" + kCallLogin +
                       R"("},"Placement":{"Zone":"ap-guangzhou-3","ProjectId":0},)" +
                       R"("MetaType":"USER_CUSTOM_META","MetaDBInfo":{"MetaDataJdbcUrl":)" +
                       R"("jdbc:mysql://10.0.0.8:3306/hive","MetaDataUser":)" +
                       R"("${env.TCPLAN_CANARY_DB_USER}","MetaDataPass":")" + kCallMetaPass +
                       R"("},"ResourceSpec":{"MasterCount":1,"CoreCount":2}})";
  auto call = tcplan({"call", "emr", "CreateInstance", "--params", params});
  ASSERT_EQ(call.exit_code, 0) << dump(call);
  EXPECT_NE(call.out.find("\"InstanceId\":\"emr-"), std::string::npos) << call.out;
  hold_the_wal();
  auto json_call = tcplan({"call", "emr", "DescribeInstances", "--params",
                           R"({"DisplayStrategy":"clusterList","Limit":10})"},
                          "json");
  ASSERT_EQ(json_call.exit_code, 0) << dump(json_call);
  // The signature check needs the token: the emulator accepted it, so it was sent.
  EXPECT_NE(call.err.find("X-TC-Token: [REDACTED]"), std::string::npos) << call.err;

  auto plan = tcplan({"plan", canary_plan().string()});
  ASSERT_EQ(plan.exit_code, 0) << dump(plan);
  EXPECT_NE(plan.err.find("InquiryPriceCreateInstance"), std::string::npos) << "trace shows it";
  auto apply = tcplan({"apply", canary_plan().string(), "--yes"});
  ASSERT_EQ(apply.exit_code, 0) << dump(apply);
  std::string run = run_id_of(apply);

  auto jsonl =
      tcplan({"audit", "export", "--format", "jsonl", "--out", (dir_ / "all.jsonl").string()});
  ASSERT_EQ(jsonl.exit_code, 0) << dump(jsonl);
  ASSERT_EQ(tcplan({"audit", "export", "--format", "csv", "--out", (dir_ / "all.csv").string()})
                .exit_code,
            0);
  ASSERT_EQ(tcplan({"audit", "export", "--format", "jsonl"}).exit_code, 0);
  ASSERT_EQ(tcplan({"audit", "report", run, "--html", (dir_ / "report.html").string()}).exit_code,
            0);
  ASSERT_EQ(tcplan({"audit", "pack", run, (dir_ / "pack").string()}).exit_code, 0);
  ASSERT_EQ(tcplan({"audit", "show", run}).exit_code, 0);
  auto verify = tcplan({"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << dump(verify) << "every run, `call` included, is sealed";

  // The trail holds the calls (a sanity check that the scan below reads real content): the
  // request rows exist with their ClientToken and the redaction markers.
  auto rows = read_file(dir_ / "all.jsonl");
  EXPECT_NE(rows.find("\"action\":\"InquiryPriceCreateInstance\""), std::string::npos);
  EXPECT_NE(rows.find("\"run_id\":\"call-"), std::string::npos) << "tcplan call is recorded";
  EXPECT_NE(rows.find("[REDACTED]"), std::string::npos);

  std::size_t files = 0;
  auto scan = [&](const std::filesystem::path& dir) {
    std::size_t n = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
      if (!entry.is_regular_file()) continue;
      ++n;
      outputs_.emplace_back(entry.path().string(), read_file(entry.path()));
    }
    return n;
  };
  // What the store holds, as it holds it: the call's request is there by its instance name,
  // so the scan below reads real records.
  const auto stored = trail_bytes(store_, started_ - std::chrono::seconds{1});
  bool call_stored = false;
  for (const auto& [where, bytes] : stored)
    call_stored |= bytes.find("canary-call") != std::string::npos;
  EXPECT_TRUE(call_stored) << "the trail's bytes do not hold the call's request";
  if (!testing_postgres()) {
    ASSERT_TRUE(std::filesystem::exists(dir_ / "audit.db-wal")) << "the WAL is scanned too";
    files = scan(dir_.path());
    EXPECT_GE(files, 12u);  // db, wal, shm, key, witness, exports, report, the pack's six
  } else {
    // The seal key and witness live in the state directory, the events in the server's files.
    files = scan(dir_.path());
    EXPECT_GE(files, 9u);  // exports, report, the pack's six
    for (const char* side : {".key", ".witness"}) {
      const auto path = side_file(store_.string(), side);
      ASSERT_TRUE(std::filesystem::exists(path)) << path;
      outputs_.emplace_back(path.string(), read_file(path));
    }
    std::size_t wal = 0, data = 0;
    for (const auto& [where, bytes] : stored) {
      wal += where.find("/pg_wal/") != std::string::npos;
      data += where.find("/base/") != std::string::npos;
    }
    EXPECT_GE(data, 1u) << "the database's files are scanned";
    EXPECT_GE(wal, 1u) << "and the WAL the test wrote";
    outputs_.insert(outputs_.end(), stored.begin(), stored.end());
  }
  for (const auto& [where, bytes] : outputs_) {
    for (const auto& secret : canaries()) {
      EXPECT_EQ(bytes.find(secret), std::string::npos) << secret << " found in " << where;
    }
  }
}

}  // namespace canary_e2e_test
}  // namespace tcplan::audit::testing
