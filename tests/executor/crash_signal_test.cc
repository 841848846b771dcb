// Ctrl-C and SIGTERM to `tcplan apply` mid-run: it starts no new work, records the answer of
// any call already on the wire, seals the run as interrupted and exits 130; `--resume` then
// finishes it. The moment to signal is read off the audit trail (a bounded poll on what the
// run has recorded), never guessed with a sleep; a slow clock keeps the run in that state.
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "tests/executor/crash/background.h"
#include "tests/executor/crash/lifecycle.h"

namespace tcplan::testing::crash {
namespace crash_signal_test {

// Slow enough that the 10-minute create takes 30 s: the test acts long before it ends.
constexpr double kSlow = 20;
constexpr double kFast = 10000;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Re-reads the trail until `ready` accepts it (or 30 s pass). The trail is another process's
// SQLite file in WAL mode: a read-only snapshot per check.
bool trail_reaches(const std::filesystem::path& db,
                   const std::function<bool(const std::vector<TrailEvent>&)>& ready) {
  return e2e::eventually([&] { return ready(read_trail(db)); }, std::chrono::seconds{30});
}

const TrailEvent* last_journal_event(const std::vector<TrailEvent>& trail) {
  const TrailEvent* last = nullptr;
  for (const auto& e : trail)
    if (journal_kind(e.kind)) last = &e;
  return last;
}

class CrashSignal : public ::testing::Test {
 protected:
  // The slow cloud the interrupted run talks to, with `faults` (may be empty).
  void start_slow(const std::string& faults) {
    if (!faults.empty()) write_file(bed_.dir / "faults.toml", faults);
    LocalCloudOptions o;
    o.state_file = bed_.dir / "cloud.db";
    o.time_scale = kSlow;
    if (!faults.empty()) o.faults = bed_.dir / "faults.toml";
    cloud_ = std::make_unique<LocalCloud>(o);
    run_ = std::make_unique<Background>(
        *cloud_, bed_.db, std::vector<std::string>{"apply", lifecycle_plan().string(), "--yes"},
        bed_.dir.path());
  }

  // Signals the run, waits for it to exit, and checks what an interruption must leave.
  ProcessResult interrupt(int sig) {
    signaled_ms_ = now_ms();
    run_->signal(sig);
    auto done = run_->wait(std::chrono::seconds{30});
    if (!done) {
      ADD_FAILURE() << "tcplan did not exit within 30 s of signal " << sig;
      return {};
    }
    EXPECT_EQ(done->exit_code, 130) << e2e::dump(*done);
    run_id_ = e2e::run_id_of(*done);
    EXPECT_NE(done->out.find("resume with: tcplan apply"), std::string::npos) << e2e::dump(*done);
    auto trail = read_trail(bed_.db);
    auto procs = processes(trail, run_id_);
    EXPECT_EQ(procs.size(), 1u);
    const TrailEvent* finished = nullptr;
    for (const auto& e : trail)
      if (e.run_id == run_id_ && e.kind == "run_finished") finished = &e;
    EXPECT_TRUE(finished && finished->payload.find("\"interrupted\"") != std::string::npos)
        << "no run_finished(interrupted) in the trail";
    // Graceful: nothing is in flight, and the interrupted run is sealed.
    expect_every_request_answered(trail, run_id_);
    ProcessResult verify = bed_.tcplan(*cloud_, {"audit", "verify"});
    EXPECT_EQ(verify.exit_code, 0) << e2e::dump(verify);
    return *done;
  }

  // The steps the interrupted process started, in order.
  std::vector<std::string> started_steps() const {
    std::vector<std::string> out;
    for (const auto& e : read_trail(bed_.db))
      if (e.run_id == run_id_ && e.kind == "step_started") out.push_back(e.step_id);
    return out;
  }

  // Reopens the same cloud state at a fast clock (time stays continuous) and resumes there.
  ProcessResult resume() {
    cloud_.reset();
    LocalCloudOptions o;
    o.state_file = bed_.dir / "cloud.db";
    o.time_scale = kFast;
    cloud_ = std::make_unique<LocalCloud>(o);
    RunOptions options;
    options.timeout = std::chrono::seconds{60};
    ProcessResult r = bed_.apply(*cloud_, lifecycle_plan(), {"--resume", "--explain"}, options);
    EXPECT_EQ(r.exit_code, 0) << e2e::dump(r);
    EXPECT_EQ(e2e::run_id_of(r), run_id_);
    cloud_->advance_ms(3600 * 1000);
    expect_lifecycle_done(cloud_->state(), run_id_);
    expect_every_request_answered(read_trail(bed_.db), run_id_);
    ProcessResult verify = bed_.tcplan(*cloud_, {"audit", "verify"});
    EXPECT_EQ(verify.exit_code, 0) << e2e::dump(verify);
    return r;
  }

  e2e::Bed bed_;
  std::unique_ptr<LocalCloud> cloud_;
  std::unique_ptr<Background> run_;
  std::string run_id_;
  std::int64_t signaled_ms_ = 0;
};

TEST_F(CrashSignal, SigintWhileWaitingForTheCreateFlowStopsAndResumeFinishes) {
  start_slow("");
  // Inside the wait: it has seen the cluster creating and sleeps until the next poll.
  ASSERT_TRUE(trail_reaches(bed_.db, [](const std::vector<TrailEvent>& t) {
    for (const auto& e : t)
      if (e.step_id == "wait-created" && e.kind == "wait_polled") return true;
    return false;
  })) << "the run never polled the create flow";
  interrupt(SIGINT);
  EXPECT_EQ(started_steps(), (std::vector<std::string>{"create", "wait-created"}))
      << "work started after the signal";

  ProcessResult r = resume();
  EXPECT_NE(r.out.find("create: skipped: finished in an earlier process"), std::string::npos)
      << e2e::dump(r);
}

TEST_F(CrashSignal, SigtermWithAPollOnTheWireRecordsItsAnswerBeforeExiting) {
  // Every DescribeInstances answer is held 2.5 s: the poll is on the wire when the signal comes.
  start_slow("[[fault]]\naction = \"DescribeInstances\"\nlatency_ms = 2500\n");
  ASSERT_TRUE(trail_reaches(bed_.db, [](const std::vector<TrailEvent>& t) {
    const TrailEvent* last = last_journal_event(t);
    // Status reads are batched across steps: recorded as the run's (no step id).
    return last && last->kind == "request_sent" && last->action == "DescribeInstances" &&
           last->step_id.empty();
  })) << "the run never sent a poll";
  const std::int64_t sent_seq = last_journal_event(read_trail(bed_.db))->seq;
  interrupt(SIGTERM);

  // The poll's answer arrived after the signal and is in the trail; nothing was sent after it.
  auto trail = read_trail(bed_.db);
  const TrailEvent* answer = nullptr;
  bool sent_after = false;
  for (const auto& e : trail) {
    if (e.seq <= sent_seq || e.run_id != run_id_) continue;
    if (!answer && e.kind == "response_received" && e.action == "DescribeInstances") answer = &e;
    sent_after |= e.kind == "request_sent";
  }
  ASSERT_NE(answer, nullptr) << "the answer of the poll in flight was not recorded";
  EXPECT_GE(answer->time_ms, signaled_ms_) << "the poll was not in flight at the signal";
  EXPECT_FALSE(sent_after) << "a request was sent after the signal";
  EXPECT_EQ(started_steps(), (std::vector<std::string>{"create", "wait-created"}));

  resume();
}

TEST_F(CrashSignal, SigintWithTheCreateOnTheWireKeepsItsAnswerAndResumeDoesNotResend) {
  start_slow("[[fault]]\naction = \"CreateInstance\"\nlatency_ms = 2500\n");
  ASSERT_TRUE(trail_reaches(bed_.db, [](const std::vector<TrailEvent>& t) {
    const TrailEvent* last = last_journal_event(t);
    return last && last->kind == "request_sent" && last->action == "CreateInstance";
  })) << "the run never sent its CreateInstance";
  interrupt(SIGINT);

  // The create's answer is recorded and its step finished; the wait after it never started.
  bool created = false;
  for (const auto& e : read_trail(bed_.db)) {
    if (e.run_id == run_id_ && e.step_id == "create" && e.kind == "step_finished")
      created = e.payload.find("\"succeeded\"") != std::string::npos;
  }
  EXPECT_TRUE(created) << "the create answered during the interruption is not recorded as done";
  EXPECT_EQ(started_steps(), (std::vector<std::string>{"create"}));

  resume();
  int creates = 0;
  for (const auto& e : read_trail(bed_.db))
    creates += e.run_id == run_id_ && e.kind == "request_sent" && e.action == "CreateInstance";
  EXPECT_EQ(creates, 1) << "the create was sent again";
}

}  // namespace crash_signal_test
}  // namespace tcplan::testing::crash
