// tcplan on temporary credentials against the real emulator over loopback: a run on the CVM
// instance role (metadata service), a run on an assumed role (STS AssumeRole), the identity
// (provider, role, session name) in the run_started event, and an STS outage refused up front.
#include <gtest/gtest.h>

#include "emulator/local_credentials.h"
#include "emulator/sts.h"
#include "tests/executor/e2e.h"

namespace tcplan::testing::e2e {
namespace credentials_e2e_test {

constexpr const char* kRoleArn = "qcs::cam::uin/100000000001:roleName/ops";

json::object run_credentials(const std::vector<Row>& rows) {
  for (const auto& r : select(rows, "run_started")) {
    if (!r.payload.is_object()) continue;
    if (auto* c = r.payload.as_object().if_contains("credentials"); c && c->is_object())
      return c->as_object();
  }
  return {};
}

std::int64_t received(const LocalCloud& cloud, const char* name) {
  auto state = cloud.state();
  auto* n = state.as_object().at("Received").as_object().if_contains(name);
  return n ? n->to_number<std::int64_t>() : 0;
}

TEST(CredentialsE2E, RunsOnTheCvmInstanceRole) {
  LocalCloud cloud({.fixture = fleet_fixture()});
  Bed bed;
  RunOptions o;
  o.env["TENCENTCLOUD_METADATA_URL"] = cloud.url() + "/latest";
  auto r = bed.apply(cloud, plans_dir() / "fleet-restart.toml", {"--log-level", "debug"}, o);
  ASSERT_EQ(r.exit_code, 0) << dump(r);
  EXPECT_NE(r.err.find("provider cvm-role"), std::string::npos) << r.err;
  auto creds = run_credentials(export_rows(bed, cloud));
  EXPECT_EQ(creds["provider"], "cvm-role");
  EXPECT_EQ(creds["role"], emulator::kDefaultInstanceRole);
  EXPECT_EQ(cloud.control("sts").at("issued").to_number<std::int64_t>(), 1);
}

TEST(CredentialsE2E, RunsOnAnAssumedRoleAndNamesItInTheTrailAndReport) {
  const auto started = std::filesystem::file_time_type::clock::now() - std::chrono::seconds{1};
  LocalCloud cloud({.fixture = fleet_fixture()});
  Bed bed;
  keep_payloads_uncompressed(bed.db);
  RunOptions o;
  o.env["TENCENTCLOUD_SECRET_ID"] = emulator::kLocalSecretId;
  o.env["TENCENTCLOUD_SECRET_KEY"] = emulator::kLocalSecretKey;
  auto r = bed.apply(cloud, plans_dir() / "fleet-restart.toml",
                     {"--role-arn", kRoleArn, "--role-session-name", "e2e-night", "--duration",
                      "3600", "--log-level", "trace"},
                     o);
  ASSERT_EQ(r.exit_code, 0) << dump(r);
  EXPECT_NE(r.err.find("provider assume-role"), std::string::npos) << r.err;
  EXPECT_EQ(received(cloud, "sts.AssumeRole"), 1);
  auto rows = export_rows(bed, cloud);
  auto creds = run_credentials(rows);
  EXPECT_EQ(creds["provider"], "assume-role");
  EXPECT_EQ(creds["role"], kRoleArn);
  EXPECT_EQ(creds["session_name"], "e2e-night");
  // Every API request of the run was signed with the temporary pair, not the long-term one.
  for (const auto& row : select(rows, "request_sent")) {
    std::string text = json::serialize(row.payload);
    EXPECT_EQ(text.find(emulator::kLocalSecretId), std::string::npos) << text;
  }
  auto report = bed.tcplan(
      cloud, {"audit", "report", run_id_of(r), "--html", (bed.dir / "report.html").string()});
  ASSERT_EQ(report.exit_code, 0) << dump(report);
  std::string html = read_file(bed.dir / "report.html");
  EXPECT_NE(html.find("e2e-night"), std::string::npos);
  EXPECT_NE(html.find("roleName/ops"), std::string::npos);

  // The canary: the temporary SecretKey and token the emulator issued are in no byte of any
  // output — apply's stdout and stderr at trace level, the export, the report, the trail.
  auto exported = bed.tcplan(cloud, {"audit", "export", "--format", "jsonl"});
  ASSERT_EQ(exported.exit_code, 0) << dump(exported);
  std::vector<std::pair<std::string, std::string>> outputs = {{"apply stdout", r.out},
                                                              {"apply stderr", r.err},
                                                              {"export", exported.out},
                                                              {"report", html},
                                                              {"report stderr", report.err}};
  const auto stored = trail_bytes(bed.db, started);
  ASSERT_FALSE(stored.empty());
  outputs.insert(outputs.end(), stored.begin(), stored.end());
  auto issued = cloud.control("sts?reveal=1").at("issued_pairs").as_array();
  ASSERT_EQ(issued.size(), 1u);
  for (const auto& pair : issued) {
    for (const char* field : {"secret_key", "token"}) {
      const std::string secret(pair.at(field).as_string());
      ASSERT_GE(secret.size(), 32u);
      for (const auto& [name, bytes] : outputs)
        EXPECT_EQ(bytes.find(secret), std::string::npos) << field << " in " << name;
    }
  }
  // It did sign: its SecretId is in the trail, as exported and as stored.
  const std::string secret_id(issued[0].at("secret_id").as_string());
  EXPECT_NE(exported.out.find(secret_id), std::string::npos);
  bool stored_id = false;
  for (const auto& [name, bytes] : stored)
    stored_id |= bytes.find(secret_id) != std::string::npos;
  EXPECT_TRUE(stored_id) << "the trail's bytes do not hold the requests";
}

TEST(CredentialsE2E, AnStsOutageAtStartIsAUsageErrorNamingTheCode) {
  LocalCloud cloud({.fixture = fleet_fixture()});
  cloud.control("sts?outage=1");
  Bed bed;
  RunOptions o;
  o.env["TENCENTCLOUD_SECRET_ID"] = emulator::kLocalSecretId;
  o.env["TENCENTCLOUD_SECRET_KEY"] = emulator::kLocalSecretKey;
  auto r = bed.apply(cloud, plans_dir() / "fleet-restart.toml", {"--role-arn", kRoleArn}, o);
  EXPECT_EQ(r.exit_code, 2) << dump(r);
  EXPECT_NE(r.err.find("InternalError.SystemError"), std::string::npos) << r.err;
  EXPECT_EQ(received(cloud, "emr.RestartServices"), 0);
}

// `pairs` restarts of the fleet's three clusters in turn, each followed by a wait until the
// cluster runs again: at least 150 s of emulator time per pair (a 120 s restart flow, polled
// every 150 s), so 75 pairs last more than three hours of emulator time.
std::filesystem::path long_fleet_plan(const Bed& bed, int pairs) {
  const char* clusters[] = {"emr-4slr7ad7", "emr-ge0vrqkl", "emr-p9f700x8"};
  std::string plan =
      "version = 1\nname = \"long-fleet\"\nregion = \"ap-guangzhou\"\n"
      "[defaults]\ntimeout = \"1h\"\n";
  for (int i = 0; i < pairs; ++i) {
    const std::string c = clusters[i % 3];
    const std::string n = std::to_string(i);
    plan += "[[steps]]\nid = \"restart-" + n + "\"\nkind = \"restart\"\n[steps.params]\n" +
            "InstanceId = \"" + c +
            "\"\nOpScope = { ServiceInfoList = [{ ServiceName = \"HIVE\" }] }\n" +
            "StrategyConfig = { RollingRestartSwitch = 1, BatchSize = 1, TimeWait = 0, DealOnFail "
            "= 0 }\n" +
            "[[steps]]\nid = \"wait-" + n + "\"\nkind = \"wait\"\ncluster = \"" + c +
            "\"\nuntil = \"running\"\npoll = \"150s\"\n";
  }
  const auto path = bed.dir / "long-fleet.toml";
  write_file(path, plan);
  return path;
}

std::int64_t emulator_now_ms(const LocalCloud& cloud) {
  return cloud.control("advance?ms=0").at("now_ms").to_number<std::int64_t>();
}

RunOptions local_pair_env() {
  RunOptions o;
  o.env["TENCENTCLOUD_SECRET_ID"] = emulator::kLocalSecretId;
  o.env["TENCENTCLOUD_SECRET_KEY"] = emulator::kLocalSecretKey;
  return o;
}

TEST(CredentialsE2E, AThreeHourRunRefreshesOneHourCredentialsAheadOfExpiry) {
  LocalCloud cloud({.fixture = fleet_fixture(), .time_scale = 3000, .rate_limits = false});
  Bed bed;
  const auto plan = long_fleet_plan(bed, 75);
  const std::int64_t start = emulator_now_ms(cloud);
  auto r = bed.apply(cloud, plan, {"--role-arn", kRoleArn, "--duration", "3600"}, local_pair_env());
  ASSERT_EQ(r.exit_code, 0) << dump(r);
  const std::int64_t elapsed_min = (emulator_now_ms(cloud) - start) / 60'000;
  ASSERT_GE(elapsed_min, 180);
  // The first AssumeRole, then one every 55 minutes of emulator time (5 minutes early).
  const std::int64_t assumed = received(cloud, "sts.AssumeRole");
  EXPECT_GE(assumed - 1, 2);
  EXPECT_LE(assumed - 1, elapsed_min / 55 + 1);
  // No request was refused for its token, so none was signed again.
  for (const auto& row : select(export_rows(bed, cloud), "response_received")) {
    std::string text = json::serialize(row.payload);
    EXPECT_EQ(text.find("AuthFailure"), std::string::npos) << text;
  }
}

TEST(CredentialsE2E, AnStsOutageMidRunInterruptsCleanlyAndResumeFinishes) {
  LocalCloud cloud({.fixture = fleet_fixture(), .time_scale = 3000, .rate_limits = false});
  Bed bed;
  const auto plan = long_fleet_plan(bed, 25);  // over an hour: one refresh is needed
  cloud.control("sts?fail_after=1");           // the first AssumeRole works, the refresh not
  auto r = bed.apply(cloud, plan, {"--role-arn", kRoleArn, "--duration", "3600"}, local_pair_env());
  ASSERT_EQ(r.exit_code, 130) << dump(r);
  EXPECT_NE(r.err.find("cannot refresh credentials"), std::string::npos) << r.err;
  const std::string run = run_id_of(r);
  ASSERT_FALSE(run.empty());
  // Nothing was refused for an expired token: the run stopped before its credentials died.
  for (const auto& row : select(export_rows(bed, cloud), "response_received")) {
    std::string text = json::serialize(row.payload);
    EXPECT_EQ(text.find("AuthFailure"), std::string::npos) << text;
  }
  cloud.control("sts?fail_after=-1");
  auto resumed =
      bed.apply(cloud, plan, {"--resume", run, "--role-arn", kRoleArn, "--duration", "3600"},
                local_pair_env());
  ASSERT_EQ(resumed.exit_code, 0) << dump(resumed);
  EXPECT_EQ(count_state(cloud.state()).clusters, 3u);
}

}  // namespace credentials_e2e_test
}  // namespace tcplan::testing::e2e
