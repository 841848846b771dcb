// RefreshingSource against a fake fetcher and a fake clock: refresh ahead of expiry (in cloud
// time, at a time scale), one fetch for many threads, whole snapshots per request, a refresh
// failure reported once; and the parsers of the metadata service's and STS's answers.
#include "api/credential_source.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <set>
#include <thread>
#include <vector>

#include "api/credentials.h"
#include "api/role_credentials.h"

namespace tcplan::api {
namespace credential_source_test {

using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

struct FakeCloud {
  // Cloud seconds; our clock is derived from it at the given scale.
  std::int64_t cloud_s = 1'800'000'000;
  double scale = 1.0;
  Clock::time_point origin{};
  std::int64_t lifetime_s = 3600;
  int fetches = 0;
  bool down = false;

  Clock::time_point steady() const {
    return origin + std::chrono::duration_cast<Clock::duration>(
                        std::chrono::duration<double>((cloud_s - 1'800'000'000) / scale));
  }
  Fetcher fetcher() {
    return [this]() -> base::Result<Fetched> {
      if (down) return base::Error{"InternalError.SystemError"};
      ++fetches;
      Fetched f;
      f.credentials.secret_id = "AKIDtmp" + std::to_string(fetches);
      f.credentials.secret_key = "key" + std::to_string(fetches);
      f.credentials.token = "tok" + std::to_string(fetches);
      f.cloud_now_s = cloud_s;
      f.expires_at_s = cloud_s + lifetime_s;
      return f;
    };
  }
  RefreshOptions options() {
    RefreshOptions o;
    o.time_scale = scale;
    o.steady_now = [this] { return steady(); };
    return o;
  }
};

TEST(RefreshAt, MarginAndTimeScale) {
  const Clock::time_point t0{};
  struct Case {
    std::int64_t now, expires, margin;
    double scale;
    double expect_s;
  } cases[] = {
      {0, 3600, 300, 1.0, 3300.0},  // an hour, 5 minutes early
      {0, 3600, 300, 60.0, 55.0},   // the same at --time-scale 60
      {0, 200, 300, 1.0, 0.0},      // already inside the margin: now
      {100, 50, 300, 1.0, 0.0},     // already expired: now
      {0, 7200, 300, 3600.0, 1.9166666},
  };
  for (const auto& c : cases) {
    auto at = RefreshingSource::refresh_at(t0, c.now, c.expires, seconds{c.margin}, c.scale);
    EXPECT_NEAR(std::chrono::duration<double>(at - t0).count(), c.expect_s, 1e-3)
        << c.now << " " << c.expires << " " << c.scale;
  }
}

TEST(RefreshingSource, OneHourCredentialsRefreshEveryFiftyFiveMinutes) {
  FakeCloud cloud;
  cloud.scale = 1000;
  RefreshingSource source(cloud.fetcher(), {}, cloud.options());
  std::set<std::uint64_t> generations;
  // A request every simulated minute for 160 minutes.
  for (int minute = 0; minute < 160; ++minute) {
    auto s = source.current();
    ASSERT_TRUE(s.ok());
    // Never handed out within the margin of its expiry.
    EXPECT_GE(*(*s)->expires_at_s - cloud.cloud_s, 300) << "minute " << minute;
    generations.insert((*s)->generation);
    cloud.cloud_s += 60;
  }
  EXPECT_EQ(cloud.fetches, 3);  // the first fetch and two refreshes (at 55 and 110 minutes of 160)
  EXPECT_EQ(generations.size(), 3u);
}

TEST(RefreshingSource, ManyThreadsOneFetchWholeSnapshots) {
  FakeCloud cloud;
  RefreshingSource source(cloud.fetcher(), {}, cloud.options());
  std::atomic<int> mixed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto s = source.current();
        if (!s.ok()) {
          ++mixed;
          continue;
        }
        const auto& c = (*s)->credentials;
        // A snapshot's three parts always belong together.
        if (c.secret_id.substr(7) != c.secret_key.substr(3) ||
            c.secret_key.substr(3) != c.token.substr(3))
          ++mixed;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(mixed.load(), 0);
  EXPECT_EQ(cloud.fetches, 1);
}

TEST(RefreshingSource, RejectionRefreshesOnceForAllWhoUsedTheSameSnapshot) {
  FakeCloud cloud;
  RefreshingSource source(cloud.fetcher(), {}, cloud.options());
  auto first = source.current();
  ASSERT_TRUE(first.ok());
  auto a = source.refresh_after_rejection(*first);
  auto b = source.refresh_after_rejection(*first);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ((*a)->generation, 2u);
  EXPECT_EQ((*b)->generation, 2u);
  EXPECT_EQ(cloud.fetches, 2);
}

TEST(RefreshingSource, FailureIsReportedOnceAndTheValidSnapshotKeepsSigning) {
  FakeCloud cloud;
  RefreshOptions o = cloud.options();
  std::vector<std::string> reports;
  o.on_failure = [&](const std::string& why) { reports.push_back(why); };
  RefreshingSource source(cloud.fetcher(), {"assume-role", "", "", "", ""}, o);
  ASSERT_TRUE(source.current().ok());
  cloud.down = true;
  cloud.cloud_s += 3400;  // inside the margin: a refresh is due and fails
  auto still = source.current();
  ASSERT_TRUE(still.ok());
  EXPECT_EQ((*still)->generation, 1u);
  EXPECT_TRUE(source.current().ok());
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_NE(reports[0].find("assume-role"), std::string::npos);
  cloud.cloud_s += 300;  // expired now
  EXPECT_FALSE(source.current().ok());
  EXPECT_EQ(reports.size(), 1u);
}

TEST(RoleParsers, MetadataAnswer) {
  auto ok = parse_metadata_credentials(
      R"({"TmpSecretId":"AKIDt","TmpSecretKey":"k","Token":"t","ExpiredTime":1800003600,
          "Expiration":"2027-01-15T09:00:00Z","Code":"Success"})",
      "GET x", 1'800'000'000);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->expires_at_s, 1'800'003'600);
  EXPECT_EQ(ok->credentials.token, "t");
  for (const char* bad :
       {R"({"Code":"Failed"})", R"({"TmpSecretId":"a","TmpSecretKey":"b"})",
        R"({"TmpSecretId":"a","TmpSecretKey":"b","Token":"c"})", "not json",
        R"({"TmpSecretId":"a","TmpSecretKey":"b\r\n","Token":"c","ExpiredTime":5})"}) {
    auto r = parse_metadata_credentials(bad, "GET x", 0);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().message.find("b\r\n"), std::string::npos);
  }
}

TEST(RoleParsers, AssumeRoleAnswer) {
  auto doc = boost::json::parse(
                 R"({"Credentials":{"Token":"t","TmpSecretId":"AKIDt","TmpSecretKey":"k"},
                     "ExpiredTime":1800003600,"Expiration":"x","RequestId":"r"})")
                 .as_object();
  auto ok = parse_assume_role_response(doc, 3600);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->cloud_now_s, 1'800'000'000);
  EXPECT_FALSE(parse_assume_role_response(boost::json::object{}, 3600).ok());
}

TEST(RoleParsers, ChecksAssumeRoleOptionsOffline) {
  AssumeRoleOptions o;
  o.role_arn = "qcs::cam::uin/100000000001:roleName/ops";
  o.session_name = "tcplan-ci";
  EXPECT_TRUE(check_assume_role(o).ok());
  auto bad = o;
  bad.role_arn = "arn:aws:iam::1:role/x";
  EXPECT_FALSE(check_assume_role(bad).ok());
  bad = o;
  bad.session_name = "a b";
  EXPECT_FALSE(check_assume_role(bad).ok());
  bad = o;
  bad.duration_s = 43201;
  EXPECT_FALSE(check_assume_role(bad).ok());
}

TEST(RoleProfile, RoleArnWithSourceProfile) {
  const std::string ini =
      "[ci]\nsecret_id = AKIDci\nsecret_key = k\n"
      "[deploy]\nrole_arn = qcs::cam::uin/1:roleName/ops\nsource_profile = ci\n"
      "role_session_name = night\nexternal_id = ext\nduration_seconds = 3600\n"
      "[loop]\nrole_arn = qcs::cam::uin/1:roleName/ops\nsource_profile = loop\n"
      "[bad]\nrole_arn = qcs::cam::uin/1:roleName/ops\nduration_seconds = 1h\n";
  auto r = parse_role_profile(ini, "f", "deploy");
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->source_profile, "ci");
  EXPECT_EQ((*r)->duration_s, 3600);
  EXPECT_EQ((*r)->external_id, "ext");
  auto none = parse_role_profile(ini, "f", "ci");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_FALSE(parse_role_profile(ini, "f", "loop").ok());
  EXPECT_FALSE(parse_role_profile(ini, "f", "bad").ok());
}

}  // namespace credential_source_test
}  // namespace tcplan::api
