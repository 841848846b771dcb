// The change window as `tcplan apply` enforces it: with --now outside [window] nothing is sent
// (exit 3; the emulator receives no call and its state is unchanged) and the refusal is in the
// audit trail; inside it, a plan predicted to run past the window's end does not start either.
#include <gtest/gtest.h>

#include "tests/executor/e2e.h"

namespace tcplan::testing {
namespace apply_window_e2e_test {

namespace json = boost::json;
using e2e::Bed;
using e2e::dump;

const std::filesystem::path kNightly = e2e::plans_dir() / "nightly-etl-scale.toml";

LocalCloudOptions fleet() {
  LocalCloudOptions o;
  o.fixture = e2e::fleet_fixture();
  return o;
}

// The parts of the emulator's state a run could change (the clock moves by itself).
json::value changeable(json::value state) {
  auto& o = state.as_object();
  o.erase("NowMs");
  o.erase("TimeScale");
  return state;
}

std::int64_t received(const json::value& state, const std::string& action) {
  auto* v = state.as_object().at("Received").as_object().if_contains(action);
  return v ? v->to_number<std::int64_t>() : 0;
}

void expect_refused_before_anything(const std::string& now, const std::string& why) {
  LocalCloud cloud(fleet());
  Bed bed;
  json::value before = changeable(cloud.state());

  ProcessResult r = bed.apply(cloud, kNightly, {"--now", now});
  ASSERT_EQ(r.exit_code, 3) << dump(r);
  EXPECT_NE(r.err.find("refused: nothing started: " + why), std::string::npos) << dump(r);

  json::value after = changeable(cloud.state());
  EXPECT_TRUE(after.as_object().at("Received").as_object().empty())
      << "the emulator received calls: " << after.at("Received");
  after.as_object().erase("Received");
  before.as_object().erase("Received");
  EXPECT_EQ(after, before);

  auto rows = e2e::export_rows(bed, cloud, e2e::run_id_of(r));
  EXPECT_TRUE(e2e::select(rows, "request_sent").empty());
  EXPECT_TRUE(e2e::select(rows, "approved").empty());
  auto refused = e2e::select(rows, "refused");
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].field("reason"), "window");
  EXPECT_NE(refused[0].field("detail").find(why), std::string::npos);
  auto finished = e2e::select(rows, "run_finished");
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_EQ(finished[0].field("status"), "refused");
}

TEST(ApplyWindow, BeforeTheWindowNothingIsSent) {
  auto window = e2e::window_of(kNightly);
  ASSERT_TRUE(window);
  expect_refused_before_anything(e2e::utc_text(window->start - std::chrono::hours{1}),
                                 "the change window opens at");
}

TEST(ApplyWindow, AfterTheWindowNothingIsSent) {
  auto window = e2e::window_of(kNightly);
  ASSERT_TRUE(window);
  expect_refused_before_anything(e2e::utc_text(window->end + std::chrono::minutes{1}),
                                 "the change window closed at");
}

// The plan is predicted as a whole (planner/predict.h) before anything is read or sent: a
// plan that cannot finish in what is left of the window does not start at all, so no cluster
// is left half-changed.
void expect_does_not_fit(const std::filesystem::path& plan, std::chrono::minutes left) {
  auto window = e2e::window_of(plan);
  ASSERT_TRUE(window);
  LocalCloud cloud(fleet());
  Bed bed;
  json::value before = changeable(cloud.state());

  ProcessResult r = bed.apply(cloud, plan, {"--now", e2e::utc_text(window->end - left)});
  ASSERT_EQ(r.exit_code, 3) << dump(r);
  EXPECT_NE(r.err.find("refused: nothing started: will not fit: needs "), std::string::npos)
      << dump(r);

  json::value after = changeable(cloud.state());
  EXPECT_TRUE(after.as_object().at("Received").as_object().empty())
      << "the emulator received calls: " << after.at("Received");
  after.as_object().erase("Received");
  before.as_object().erase("Received");
  EXPECT_EQ(after, before);
  auto rows = e2e::export_rows(bed, cloud, e2e::run_id_of(r));
  EXPECT_TRUE(e2e::select(rows, "request_sent").empty());
  EXPECT_TRUE(e2e::select(rows, "step_started").empty());
  auto refused = e2e::select(rows, "refused");
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].field("reason"), "window");
}

TEST(ApplyWindow, APlanThatCannotFinishInTheRemainingWindowSendsNothing) {
  // About 10 minutes of work (a scale-out flow, a restart, a scale-in); 4 minutes left.
  expect_does_not_fit(kNightly, std::chrono::minutes{4});
}

TEST(ApplyWindow, APlanWhoseLaterStepWouldOverrunSendsNothing) {
  // The quick switch would fit; the restart after it would not: neither starts.
  expect_does_not_fit(e2e::data_dir() / "window-later-step.toml", std::chrono::minutes{2});
}

TEST(ApplyWindow, APlanThatFitsRunsInsideTheWindow) {
  const auto plan = e2e::data_dir() / "window-later-step.toml";
  auto window = e2e::window_of(plan);
  ASSERT_TRUE(window);
  LocalCloud cloud(fleet());
  Bed bed;
  ProcessResult p = bed.tcplan(
      cloud, {"plan", plan.string(), "--now", e2e::utc_text(window->end - std::chrono::hours{2})});
  ASSERT_EQ(p.exit_code, 0) << dump(p);
  EXPECT_NE(p.out.find("fits with "), std::string::npos) << dump(p);
  ProcessResult r =
      bed.apply(cloud, plan, {"--now", e2e::utc_text(window->end - std::chrono::hours{2})});
  ASSERT_EQ(r.exit_code, 0) << dump(r);
  json::value after = cloud.state();
  EXPECT_EQ(received(after, "emr.ModifyResourceScheduler"), 1);
  EXPECT_EQ(received(after, "emr.StartStopServiceOrMonitor"), 1);
}

}  // namespace apply_window_e2e_test
}  // namespace tcplan::testing
