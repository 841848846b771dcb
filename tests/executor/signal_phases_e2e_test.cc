// Ctrl-C and SIGTERM before the runner starts: during the dry run, while --wait-lock waits for
// another run's lock, and at the approval prompt (stdin a pseudo-terminal). Each must exit 130
// with the run recorded as interrupted and sealed, no lock left held (`tcplan runs`), `audit
// verify` 0, and the run resumable. A second Ctrl-C abandons a call in flight instead of
// waiting for it. The moment to signal is read off the trail or the output, never guessed.
#include <gtest/gtest.h>

#include <memory>
#include <tuple>

#include "tests/executor/crash/background.h"
#include "tests/executor/crash/lifecycle.h"

namespace tcplan::testing::crash {
namespace signal_phases_e2e_test {

const std::filesystem::path kRestart = e2e::data_dir() / "restart-etl.toml";

enum class Phase { kDryRun, kWaitLock, kPrompt };

std::string phase_name(Phase p) {
  switch (p) {
    case Phase::kDryRun:
      return "DryRun";
    case Phase::kWaitLock:
      return "WaitLock";
    case Phase::kPrompt:
      return "Prompt";
  }
  return "?";
}

class SignalInPhase : public ::testing::TestWithParam<std::tuple<Phase, int>> {
 protected:
  void SetUp() override {
    if (std::get<0>(GetParam()) == Phase::kDryRun) {
      // Every EMR read is held 3 s: the dry run's first read is on the wire when the signal
      // comes, and its answer must still be recorded.
      write_file(bed_.dir / "faults.toml",
                 "[[fault]]\nservice = \"emr\"\naction = \"*\"\nlatency_ms = 3000\n");
      options_.faults = bed_.dir / "faults.toml";
    }
    options_.fixture = e2e::fleet_fixture();
    options_.state_file = bed_.dir / "cloud.db";
    cloud_ = std::make_unique<LocalCloud>(options_);
  }

  // The run holding the cluster lock for the --wait-lock case: killed right after its first
  // dry-run read was recorded (it took its locks just before).
  std::string crashed_holder() {
    RunOptions kill;
    kill.test_hooks = true;
    kill.env["TCPLAN_TEST_KILL_AFTER_EVENTS"] = "3";  // run_started, plan_digest, request_sent
    ProcessResult holder = bed_.apply(*cloud_, kRestart, {}, kill);
    EXPECT_EQ(holder.exit_code, 128 + 9) << e2e::dump(holder);
    return e2e::run_id_of(holder);
  }

  json::object runs_entry(const std::string& run) {
    ProcessResult runs = bed_.tcplan(*cloud_, {"runs", "--output", "json"});
    EXPECT_EQ(runs.exit_code, 0) << e2e::dump(runs);
    const json::value list = json::parse(runs.out);
    for (const auto& r : list.as_array())
      if (r.at("run_id").as_string() == run) return r.as_object();
    ADD_FAILURE() << "run " << run << " not listed: " << runs.out;
    return {};
  }

  e2e::Bed bed_;
  LocalCloudOptions options_;
  std::unique_ptr<LocalCloud> cloud_;
};

TEST_P(SignalInPhase, ExitsInterruptedSealedUnlockedAndResumable) {
  const auto [phase, sig] = GetParam();
  std::string holder;
  if (phase == Phase::kWaitLock) holder = crashed_holder();

  std::vector<std::string> args{"apply", kRestart.string()};
  if (phase != Phase::kPrompt) args.push_back("--yes");
  if (phase == Phase::kWaitLock) args.insert(args.end(), {"--wait-lock", "10m"});
  BackgroundOptions bo;
  bo.terminal = phase == Phase::kPrompt;
  Background run(*cloud_, bed_.db, args, bed_.dir.path(), bo);

  // The moment: the dry run's read on the wire, the lock wait announced, the prompt shown.
  ASSERT_TRUE(e2e::eventually(
      [&] {
        if (phase == Phase::kWaitLock) return run.out().find("waiting up to") != std::string::npos;
        if (phase == Phase::kPrompt) return run.out().find("Apply this plan?") != std::string::npos;
        auto trail = read_trail(bed_.db);
        return !trail.empty() && trail.back().kind == "request_sent" &&
               trail.back().step_id == "preview";
      },
      std::chrono::seconds{30}))
      << run.out() << run.err();
  run.signal(sig);
  auto done = run.wait(std::chrono::seconds{30});
  ASSERT_TRUE(done.has_value()) << "no exit within 30 s of the signal\n" << run.err();
  EXPECT_EQ(done->exit_code, 130) << e2e::dump(*done);
  const std::string id = e2e::run_id_of(*done);
  ASSERT_FALSE(id.empty()) << e2e::dump(*done);
  EXPECT_NE(done->out.find("resume with: tcplan apply"), std::string::npos) << e2e::dump(*done);

  // Recorded as interrupted, holding nothing, sealed, with every request answered.
  json::object entry = runs_entry(id);
  EXPECT_EQ(entry["status"].as_string(), "interrupted");
  EXPECT_EQ(entry["locks"].to_number<std::int64_t>(), 0) << "the interrupted run kept a lock";
  auto trail = read_trail(bed_.db);
  expect_every_request_answered(trail, id);
  bool sent_change = false;
  for (const auto& e : trail)
    sent_change |= e.run_id == id && e.kind == "request_sent" && e.attempt > 0;
  EXPECT_FALSE(sent_change) << "a mutating request left before the approval";
  ProcessResult verify = bed_.tcplan(*cloud_, {"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << e2e::dump(verify);

  // Resumable: once the cluster is free (the crashed holder let go), it runs to the end.
  if (!holder.empty()) {
    ASSERT_EQ(bed_.tcplan(*cloud_, {"unlock", holder}).exit_code, 0);
  }
  cloud_.reset();
  options_.faults.clear();
  options_.fixture.clear();
  options_.time_scale = 10000;
  cloud_ = std::make_unique<LocalCloud>(options_);
  ProcessResult resumed = bed_.apply(*cloud_, kRestart, {"--resume", id});
  EXPECT_EQ(resumed.exit_code, 0) << e2e::dump(resumed);
  EXPECT_EQ(e2e::run_id_of(resumed), id);
}

INSTANTIATE_TEST_SUITE_P(Phases, SignalInPhase,
                         ::testing::Combine(::testing::Values(Phase::kDryRun, Phase::kWaitLock,
                                                              Phase::kPrompt),
                                            ::testing::Values(SIGINT, SIGTERM)),
                         [](const ::testing::TestParamInfo<std::tuple<Phase, int>>& p) {
                           return phase_name(std::get<0>(p.param)) +
                                  (std::get<1>(p.param) == SIGINT ? "Sigint" : "Sigterm");
                         });

TEST(SecondSignal, AbandonsTheCallInFlightInsteadOfWaitingForIt) {
  e2e::Bed bed;
  // The dry run's read is held 20 s: waited for, it would come back as an answer; abandoned,
  // it is recorded as a transport error.
  write_file(bed.dir / "faults.toml",
             "[[fault]]\nservice = \"emr\"\naction = \"*\"\nlatency_ms = 20000\n");
  LocalCloudOptions o;
  o.fixture = e2e::fleet_fixture();
  o.faults = bed.dir / "faults.toml";
  LocalCloud cloud(o);
  Background run(cloud, bed.db, {"apply", kRestart.string(), "--yes"}, bed.dir.path());
  ASSERT_TRUE(e2e::eventually([&] {
    auto trail = read_trail(bed.db);
    return !trail.empty() && trail.back().kind == "request_sent";
  })) << run.err();
  run.signal(SIGINT);
  // The first signal is taken (it says so), and the read it waits for is still on the wire.
  ASSERT_TRUE(e2e::eventually([&] { return run.err().find("Ctrl-C again") != std::string::npos; },
                              std::chrono::seconds{30}))
      << run.err();
  run.signal(SIGINT);
  auto done = run.wait(std::chrono::seconds{30});
  ASSERT_TRUE(done.has_value()) << "the second Ctrl-C did not end the wait for the read";
  EXPECT_EQ(done->exit_code, 130) << e2e::dump(*done);
  const std::string id = e2e::run_id_of(*done);
  auto trail = read_trail(bed.db);
  // The abandoned read is recorded as a transport error, so the trail has no hole.
  expect_every_request_answered(trail, id);
  int abandoned = 0, answered = 0;
  for (const auto& e : trail) {
    abandoned += e.run_id == id && e.kind == "transport_error";
    answered += e.run_id == id && e.kind == "response_received";
  }
  EXPECT_EQ(abandoned, 1) << "the read in flight was not abandoned";
  EXPECT_EQ(answered, 0) << "the second Ctrl-C waited for the read's answer";
  ProcessResult verify = bed.tcplan(cloud, {"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << e2e::dump(verify);
}

}  // namespace signal_phases_e2e_test
}  // namespace tcplan::testing::crash
