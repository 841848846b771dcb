// Which approvals count (executor/approvals.h), table-driven: a valid one by someone else, and
// each reason one does not count: the applier's own key, another plan, other prices, expired,
// a key not among [approval] approvers, a second approval by the same key, an altered file.
#include "executor/approvals.h"

#include <gtest/gtest.h>

#include "tests/testing/process.h"

namespace tcplan::executor {
namespace approvals_test {

using namespace std::chrono_literals;

TEST(CheckApprovals, EachReasonAnApprovalDoesNotCount) {
  testing::TempDir dir;
  auto alice = audit::SealKey::load_or_create(dir / "alice.key");
  auto bob = audit::SealKey::load_or_create(dir / "bob.key");
  auto me = audit::SealKey::load_or_create(dir / "me.key");
  ASSERT_TRUE(alice.ok() && bob.ok() && me.ok());

  SavedPlan saved;
  saved.plan_sha256 = std::string(64, 'a');
  saved.preview = boost::json::object{{"plan", boost::json::object{{"name", "p"}}}};
  const SavedPlanDigests digests = saved_plan_digests(saved);
  const auto now = std::chrono::system_clock::now();
  auto sign = [&](const audit::SealKey& key, base::SysTime at = {}, base::SysTime until = {}) {
    if (at == base::SysTime{}) at = now - 1h;
    if (until == base::SysTime{}) until = now + 3h;
    auto a = make_approval(saved, key, "someone", "CHG-1", at, until);
    EXPECT_TRUE(a.ok());
    return *a;
  };

  struct Case {
    const char* name;
    std::vector<ApprovalRecord> approvals;
    std::vector<std::string> approvers;
    std::size_t valid;
    const char* why;  // in the rejection ("" when none)
  };
  ApprovalRecord other_plan = sign(*alice);
  other_plan.plan_digest = std::string(64, 'b');  // re-signed below: a real approval of it
  other_plan.signature = *alice->sign(approval_message(other_plan));
  ApprovalRecord other_prices = sign(*alice);
  other_prices.price_digest = std::string(64, 'c');
  other_prices.signature = *alice->sign(approval_message(other_prices));
  ApprovalRecord altered = sign(*alice);
  altered.ticket = "CHG-2";  // changed after signing
  const std::vector<Case> cases = {
      {"valid", {sign(*alice)}, {}, 1, ""},
      {"self", {sign(*me)}, {}, 0, "applier's own key"},
      {"other plan", {other_plan}, {}, 0, "the saved plan changed after approval"},
      {"other prices", {other_prices}, {}, 0, "prices changed after approval"},
      {"expired", {sign(*alice, now - 6h, now - 2h)}, {}, 0, "it expired at"},
      {"not listed", {sign(*alice)}, {bob->fingerprint()}, 0, "is not among"},
      {"listed", {sign(*bob)}, {bob->fingerprint()}, 1, ""},
      {"same key twice", {sign(*alice), sign(*alice)}, {}, 1, "same key already counts"},
      {"altered", {altered}, {}, 0, "signature does not verify"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ApprovalRequirement need{1, c.approvers};
    ApprovalVerdict v = check_approvals(need, c.approvals, digests, me->fingerprint(), now);
    EXPECT_EQ(v.valid.size(), c.valid);
    EXPECT_EQ(v.satisfied, c.valid >= 1);
    if (*c.why) {
      ASSERT_EQ(v.rejected.size(), 1u);
      EXPECT_NE(v.rejected[0].find(c.why), std::string::npos) << v.rejected[0];
    } else {
      EXPECT_TRUE(v.rejected.empty());
    }
  }
}

}  // namespace approvals_test
}  // namespace tcplan::executor
