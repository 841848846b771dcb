// Approvals by someone else, end to end: a plan with [approval] required = 1 is saved, signed
// with `tcplan approve` by a key other than the applier's, and applied with --approvals. A
// valid approval runs the plan and is an audit event with its ticket; a missing, expired or
// self-signed approval, or one given before the plan changed, is refused with exit 3 naming
// why, and nothing is sent.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "audit/seal.h"
#include "executor/approvals.h"
#include "executor/saved_plan.h"
#include "tests/executor/e2e.h"

namespace tcplan::testing {
namespace apply_approval_e2e_test {

namespace json = boost::json;
using e2e::Bed;
using e2e::dump;

const std::filesystem::path kPlan = e2e::data_dir() / "approved-switch.toml";

std::int64_t received(const json::value& state, const std::string& action) {
  auto* v = state.as_object().at("Received").as_object().if_contains(action);
  return v ? v->to_number<std::int64_t>() : 0;
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class Approvals : public ::testing::Test {
 protected:
  Approvals() : cloud_(options()) {}
  static LocalCloudOptions options() {
    LocalCloudOptions o;
    o.fixture = e2e::fleet_fixture();
    return o;
  }

  // `tcplan plan PLAN --out SAVED`.
  void save(const std::filesystem::path& plan = kPlan) {
    ProcessResult r = bed_.tcplan(cloud_, {"plan", plan.string(), "--out", saved_.string()});
    ASSERT_EQ(r.exit_code, 0) << dump(r);
  }
  // `tcplan approve SAVED --key KEY`, written to the approvals directory.
  void approve(const std::filesystem::path& key, const std::string& who) {
    ASSERT_TRUE(audit::SealKey::load_or_create(key).ok());
    ProcessResult r =
        bed_.tcplan(cloud_, {"approve", saved_.string(), "--key", key.string(), "--approver", who,
                             "--ticket", "CHG-1234", "--expires", "4h", "--out", dir_.string()});
    ASSERT_EQ(r.exit_code, 0) << dump(r);
  }
  ProcessResult apply() { return bed_.apply(cloud_, saved_, {"--approvals", dir_.string()}); }

  // Refused before anything was sent, for `why`.
  void expect_refused(const ProcessResult& r, const std::string& why) {
    EXPECT_EQ(r.exit_code, 3) << dump(r);
    EXPECT_NE(r.err.find("not approved: 1 approval by someone else required, 0 valid"),
              std::string::npos)
        << dump(r);
    EXPECT_NE(r.err.find(why), std::string::npos) << dump(r);
    EXPECT_EQ(received(cloud_.state(), "emr.ModifyResourceScheduler"), 0);
    auto rows = e2e::export_rows(bed_, cloud_, e2e::run_id_of(r));
    auto refused = e2e::select(rows, "refused");
    ASSERT_EQ(refused.size(), 1u);
    EXPECT_EQ(refused[0].field("reason"), "approval");
  }

  LocalCloud cloud_;
  Bed bed_;
  std::filesystem::path saved_ = bed_.dir / "switch.json";
  std::filesystem::path dir_ = bed_.dir / "approvals";
  std::filesystem::path alice_ = bed_.dir / "alice.key";
};

TEST_F(Approvals, AValidApprovalRunsThePlanAndIsInTheTrail) {
  save();
  approve(alice_, "alice");
  ProcessResult r = apply();
  ASSERT_EQ(r.exit_code, 0) << dump(r);
  EXPECT_EQ(received(cloud_.state(), "emr.ModifyResourceScheduler"), 1);
  auto rows = e2e::export_rows(bed_, cloud_, e2e::run_id_of(r));
  auto approved = e2e::select(rows, "approved");
  ASSERT_EQ(approved.size(), 2u);  // alice's, then the applier's own
  EXPECT_EQ(approved[0].field("by"), "approval");
  EXPECT_EQ(approved[0].field("approver"), "alice");
  EXPECT_EQ(approved[0].field("ticket"), "CHG-1234");
  auto key = audit::SealKey::load(alice_);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(approved[0].field("approver_fingerprint"), key->fingerprint());
}

TEST_F(Approvals, WithoutOneNothingIsSent) {
  save();
  std::filesystem::create_directories(dir_);
  expect_refused(apply(), "(none given)");
}

TEST_F(Approvals, AnExpiredOneDoesNotCount) {
  save();
  // Signed by alice's key like `tcplan approve` does, but given a day ago for four hours.
  auto key = audit::SealKey::load_or_create(alice_);
  ASSERT_TRUE(key.ok());
  auto saved = executor::parse_saved_plan(read_text(saved_));
  ASSERT_TRUE(saved.ok()) << saved.error().message;
  const auto day_ago = std::chrono::system_clock::now() - std::chrono::hours{24};
  auto a = executor::make_approval(*saved, *key, "alice", "CHG-1234", day_ago,
                                   day_ago + std::chrono::hours{4});
  ASSERT_TRUE(a.ok()) << a.error().message;
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ / (a->key_fingerprint + ".json"))
      << json::serialize(executor::approval_json(*a));
  expect_refused(apply(), "it expired at " + a->expires_at);
}

TEST_F(Approvals, TheAppliersOwnKeyDoesNotCount) {
  save();
  // The key that seals the applier's runs (<audit db>.key) signs the approval.
  approve(audit::default_key_path(bed_.db), "me");
  expect_refused(apply(), "signed with the applier's own key");
}

TEST_F(Approvals, AnApprovalOfThePlanBeforeItChangedDoesNotCount) {
  const auto plan = bed_.dir / "approved-switch.toml";
  std::filesystem::copy_file(kPlan, plan);
  save(plan);
  approve(alice_, "alice");
  // The plan is edited (another cluster) and saved again after alice approved it.
  std::string text = read_text(plan);
  const std::string from = "emr-4slr7ad7", to = "emr-ge0vrqkl";
  text.replace(text.find(from), from.size(), to);
  std::ofstream(plan, std::ios::trunc) << text;
  save(plan);
  expect_refused(apply(), "the saved plan changed after approval");
}

}  // namespace apply_approval_e2e_test
}  // namespace tcplan::testing
