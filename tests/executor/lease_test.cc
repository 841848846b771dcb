// One driver per run: the store's lease operations (acquire, refuse, take over, renew, release,
// fenced append, unique run ids, all-or-none locks), the takeover rule as a table, and the
// journal refusing to write — so never sending — once its epoch is not the run's any more.
#include "executor/lease.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>

#include "audit/event_store.h"
#include "executor/journal.h"
#include "executor/run_id.h"
#include "tests/testing/process.h"

namespace tcplan::executor {
namespace lease_test {

using testing::TempDir;

struct Clock {
  std::shared_ptr<std::atomic<std::int64_t>> now =
      std::make_shared<std::atomic<std::int64_t>>(1714564800000);
};

std::unique_ptr<audit::EventStore> open(const std::filesystem::path& db, Clock clock) {
  audit::StoreOptions o;
  o.clock_ms = [c = clock.now] { return c->load(); };
  auto s = audit::EventStore::open(db, o);
  if (!s) throw std::runtime_error(s.error().message);
  return std::move(*s);
}

audit::LeaseOwner owner(std::int64_t pid, const std::string& host = "host-a") {
  return {host, pid, "boot/" + std::to_string(pid * 10)};
}

audit::Event event(audit::EventKind kind, const std::string& run) {
  audit::Event e;
  e.kind = kind;
  e.run_id = run;
  return e;
}

const audit::TakeoverCheck kNeverDead = [](const audit::Lease&, std::int64_t) {
  return std::optional<std::string>();
};
const audit::TakeoverCheck kAlwaysDead = [](const audit::Lease&, std::int64_t) {
  return std::optional<std::string>("it has exited");
};

TEST(LeaseStore, ANewRunGetsEpochOneAndARunIdIsNeverStartedTwice) {
  TempDir dir;
  auto store = open(dir / "a.db", {});
  auto lease = store->acquire_lease("run-1", owner(10), audit::LeaseMode::kNewRun, kNeverDead);
  ASSERT_TRUE(lease) << lease.error().message;
  EXPECT_EQ(lease->epoch, 1);
  auto again = store->acquire_lease("run-1", owner(11), audit::LeaseMode::kNewRun, kAlwaysDead);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().reason, audit::LeaseError::Reason::kRunExists);
  // A run id that only has events (a trail from before leases) is taken too.
  ASSERT_TRUE(store->append(event(audit::EventKind::kRunStarted, "run-old")));
  auto old = store->acquire_lease("run-old", owner(12), audit::LeaseMode::kNewRun, kNeverDead);
  ASSERT_FALSE(old);
  EXPECT_EQ(old.error().reason, audit::LeaseError::Reason::kRunExists);
  auto missing =
      store->acquire_lease("run-none", owner(12), audit::LeaseMode::kExistingRun, kNeverDead);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().reason, audit::LeaseError::Reason::kNoSuchRun);
}

TEST(LeaseStore, ALiveHolderIsNamedADeadOneIsTakenOverAsAnAuditEvent) {
  TempDir dir;
  auto store = open(dir / "a.db", {});
  ASSERT_TRUE(store->acquire_lease("run-1", owner(10), audit::LeaseMode::kNewRun, kNeverDead));
  auto refused =
      store->acquire_lease("run-1", owner(20), audit::LeaseMode::kExistingRun, kNeverDead);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().reason, audit::LeaseError::Reason::kHeld);
  EXPECT_NE(refused.error().message.find("pid 10 on host host-a"), std::string::npos)
      << refused.error().message;
  ASSERT_TRUE(refused.error().holder);
  EXPECT_EQ(refused.error().holder->owner.pid, 10);

  auto taken =
      store->acquire_lease("run-1", owner(20), audit::LeaseMode::kExistingRun, kAlwaysDead);
  ASSERT_TRUE(taken) << taken.error().message;
  EXPECT_EQ(taken->epoch, 2);
  auto events = store->run_events("run-1");
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ(events->at(0).kind, audit::EventKind::kLeaseAcquired);
  EXPECT_EQ(events->at(1).kind, audit::EventKind::kLeaseTakenOver);
  EXPECT_NE(events->at(1).payload.find("it has exited"), std::string::npos);
  EXPECT_NE(events->at(1).payload.find("\"pid\":10"), std::string::npos) << events->at(1).payload;
}

TEST(LeaseStore, TheFenceStopsTheOldEpochInTheSameTransaction) {
  TempDir dir;
  auto store = open(dir / "a.db", {});
  auto first = store->acquire_lease("run-1", owner(10), audit::LeaseMode::kNewRun, kNeverDead);
  ASSERT_TRUE(first);
  ASSERT_TRUE(store->append_fenced(event(audit::EventKind::kRequestSent, "run-1"), 1));
  ASSERT_TRUE(store->renew_lease("run-1", 1));
  auto second =
      store->acquire_lease("run-1", owner(20), audit::LeaseMode::kExistingRun, kAlwaysDead);
  ASSERT_TRUE(second);
  // The first owner wakes up: it can neither write, nor beat, nor release.
  auto late = store->append_fenced(event(audit::EventKind::kRequestSent, "run-1"), 1);
  ASSERT_FALSE(late);
  EXPECT_TRUE(late.error().lease_lost);
  EXPECT_NE(late.error().message.find("pid 20"), std::string::npos) << late.error().message;
  auto beat = store->renew_lease("run-1", 1);
  ASSERT_FALSE(beat);
  EXPECT_TRUE(beat.error().lease_lost);
  EXPECT_FALSE(store->release_lease("run-1", 1));
  // The new owner can, and after its release nobody can.
  ASSERT_TRUE(store->append_fenced(event(audit::EventKind::kRequestSent, "run-1"), 2));
  ASSERT_TRUE(store->release_lease("run-1", 2));
  EXPECT_FALSE(store->append_fenced(event(audit::EventKind::kRequestSent, "run-1"), 2));
  auto lease = store->lease("run-1");
  ASSERT_TRUE(lease && *lease);
  EXPECT_TRUE((*lease)->released);
  // A released lease is acquired again without a takeover.
  auto third = store->acquire_lease("run-1", owner(30), audit::LeaseMode::kExistingRun, kNeverDead);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->epoch, 3);
}

TEST(LeaseStore, HeartbeatsMoveTheLeaseNotTheChain) {
  TempDir dir;
  Clock clock;
  auto store = open(dir / "a.db", clock);
  ASSERT_TRUE(store->acquire_lease("run-1", owner(10), audit::LeaseMode::kNewRun, kNeverDead));
  auto seq = store->last_seq();
  clock.now->fetch_add(7000);
  ASSERT_TRUE(store->renew_lease("run-1", 1));
  auto lease = store->lease("run-1");
  ASSERT_TRUE(lease && *lease);
  EXPECT_EQ((*lease)->heartbeat_ms - (*lease)->acquired_ms, 7000);
  EXPECT_EQ(*store->last_seq(), *seq);
}

TEST(LeaseStore, LocksAreTakenAllOrNoneInOneTransaction) {
  TempDir dir;
  auto store = open(dir / "a.db", {});
  ASSERT_TRUE(store->acquire_locks({"cluster:b"}, "run-2", "other"));
  auto both = store->acquire_locks({"cluster:a", "cluster:b"}, "run-1", "mine");
  ASSERT_FALSE(both);
  EXPECT_NE(both.error().message.find("held by run run-2"), std::string::npos);
  auto locks = store->locks();
  ASSERT_TRUE(locks);
  ASSERT_EQ(locks->size(), 1u) << "cluster:a was taken although cluster:b was not";
  ASSERT_TRUE(store->release_locks({"cluster:b"}, "run-2"));
  auto taken = store->acquire_locks({"cluster:a", "cluster:b"}, "run-1", "mine");
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->size(), 2u);
  // Held already by this run (a resume): kept, not taken twice.
  auto again = store->acquire_locks({"cluster:a", "cluster:b"}, "run-1", "mine");
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty());
  EXPECT_FALSE(store->release_locks({"cluster:a"}, "run-2"));
  ASSERT_TRUE(store->release_locks({"cluster:a", "cluster:b"}, "run-1"));
  EXPECT_TRUE(store->locks()->empty());
}

ProcessProbe gone(std::int64_t) {
  return {ProcessProbe::State::kGone, {}};
}

TEST(LeaseRule, AnOwnerIsDeadOnlyWhenThisHostCanSeeItGoneOrItStoppedBeating) {
  const std::int64_t now = 1'000'000;
  const std::chrono::milliseconds stale{60'000};
  audit::Lease lease;
  lease.owner = owner(42, "host-a");
  lease.heartbeat_ms = now - 1000;
  auto alive_as = [](std::string started) {
    return [started](std::int64_t) { return ProcessProbe{ProcessProbe::State::kAlive, started}; };
  };
  struct Case {
    const char* name;
    std::string host;
    std::int64_t beat_age_ms;
    std::function<ProcessProbe(std::int64_t)> probe;
    bool dead;
  };
  const Case cases[] = {
      {"same host, alive, beating", "host-a", 1000, alive_as("boot/420"), false},
      {"same host, pid gone", "host-a", 1000, gone, true},
      {"same host, pid reused", "host-a", 1000, alive_as("boot/999"), true},
      {"same host, alive but stopped beating (SIGSTOP)", "host-a", 61'000, alive_as("boot/420"),
       true},
      {"same host, /proc unreadable, beating", "host-a", 1000,
       [](std::int64_t) { return ProcessProbe{}; }, false},
      {"other host, beating", "host-b", 59'000, gone, false},
      {"other host, stale", "host-b", 61'000, alive_as("boot/420"), true},
  };
  for (const auto& c : cases) {
    lease.heartbeat_ms = now - c.beat_age_ms;
    auto reason = owner_dead(lease, c.host, now, stale, c.probe);
    EXPECT_EQ(reason.has_value(), c.dead) << c.name << ": " << reason.value_or("alive");
  }
}

TEST(LeaseRule, ThisProcessProbesAliveAndAnUnusedPidGone) {
  const audit::LeaseOwner me = this_process();
  EXPECT_EQ(me.pid, ::getpid());
  ProcessProbe p = probe_process(me.pid);
  EXPECT_EQ(p.state, ProcessProbe::State::kAlive);
  EXPECT_EQ(p.started, me.started);
  // A pid far above pid_max is never in use.
  EXPECT_EQ(probe_process(1 << 30).state, ProcessProbe::State::kGone);
}

TEST(LeaseKeeper, ALostLeaseIsNoticedByTheHeartbeatAndTheJournalStopsWriting) {
  TempDir dir;
  auto store = open(dir / "a.db", {});
  set_lease_timing({std::chrono::milliseconds{20}, std::chrono::milliseconds{60'000}});
  std::atomic<bool> lost{false};
  Journal journal(*store, "run-1");
  auto keeper =
      LeaseKeeper::acquire(*store, "run-1", audit::LeaseMode::kNewRun, [&](const std::string& why) {
        journal.lose_lease(why);
        lost = true;
      });
  ASSERT_TRUE(keeper) << keeper.error().message;
  journal.fence((*keeper)->epoch());
  ASSERT_TRUE(journal.record(audit::EventKind::kRunStarted, {}, {}));
  // Another process takes the run over (as if this one had been stopped for too long).
  ASSERT_TRUE(store->acquire_lease("run-1", owner(99, "elsewhere"), audit::LeaseMode::kExistingRun,
                                   kAlwaysDead));
  auto refused = journal.record(audit::EventKind::kStepStarted, {"s", "", 0}, {});
  ASSERT_FALSE(refused);
  EXPECT_TRUE(journal.lease_lost());
  EXPECT_FALSE(journal.healthy());
  // An answer to what was already sent is still recorded.
  EXPECT_TRUE(journal.record(audit::EventKind::kResponseReceived, {"s", "", 1}, {}));
  for (int i = 0; i < 500 && !lost; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  EXPECT_TRUE(lost) << "the heartbeat did not notice the takeover";
  EXPECT_TRUE((*keeper)->lost());
  EXPECT_FALSE((*keeper)->release());
  set_lease_timing({});
}

TEST(RunId, NinetySixRandomBitsAfterTheTime) {
  const auto t = std::chrono::sys_days{std::chrono::year{2026} / 11 / 24} + std::chrono::hours{2};
  std::string a = new_run_id(t), b = new_run_id(t);
  EXPECT_EQ(a.rfind("run-20261124T020000Z-", 0), 0u) << a;
  EXPECT_EQ(a.size(), std::string("run-20261124T020000Z-").size() + 24);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef", 21), std::string::npos) << a;
}

}  // namespace lease_test
}  // namespace tcplan::executor
