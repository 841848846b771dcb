// Two applies on one cluster: the lock in the audit DB lets one run at a time. The second is
// refused (exit 3) naming the holder, running or crashed, or waits with --wait-lock. Who holds
// what is read from the trail, and the holder is kept busy by the emulator's clock, not a delay.
#include <gtest/gtest.h>

#include <thread>

#include "audit/event_store.h"
#include "tests/executor/e2e.h"

namespace tcplan::testing {
namespace apply_lock_e2e_test {

using e2e::Bed;
using e2e::dump;

const std::filesystem::path kRestart = e2e::data_dir() / "restart-etl.toml";
const std::filesystem::path kSwitch = e2e::data_dir() / "switch-scheduler-etl.toml";

// The run holding the cluster's lock, read from the trail ("" when nobody holds it).
std::string lock_holder(audit::EventStore& store) {
  auto locks = store.locks();
  if (!locks) return {};
  for (const auto& l : *locks) {
    if (l.name == "cluster:emr-4slr7ad7") return l.holder_run_id;
  }
  return {};
}

// The seq of the first event of `kind` in `run`, 0 when there is none.
std::int64_t first_seq(const std::vector<e2e::Row>& rows, const std::string& kind,
                       const std::string& run) {
  for (const auto& r : rows) {
    if (r.kind() == kind && r.str("run_id") == run) return r.seq();
  }
  return 0;
}

TEST(ApplyLock, ACrashedRunKeepsItsLockUntilItIsResumed) {
  LocalCloudOptions o;
  o.fixture = e2e::fleet_fixture();
  LocalCloud cloud(o);
  Bed bed;

  // The holder dies right after its restart request is recorded: its lock stays.
  long kill_after = 0;
  {
    LocalCloud reference_cloud(o);
    Bed reference;
    ProcessResult r = reference.apply(reference_cloud, kRestart);
    ASSERT_EQ(r.exit_code, 0) << dump(r);
    kill_after =
        e2e::journal_events_until(e2e::export_rows(reference, reference_cloud, e2e::run_id_of(r)),
                                  [](const e2e::Row& row) { return row.kind() == "step_started"; });
  }
  RunOptions killed;
  killed.test_hooks = true;
  killed.env["TCPLAN_TEST_KILL_AFTER_EVENTS"] = std::to_string(kill_after);
  ProcessResult holder = bed.apply(cloud, kRestart, {}, killed);
  ASSERT_EQ(holder.exit_code, 128 + 9) << dump(holder);
  const std::string holder_run = e2e::run_id_of(holder);

  ProcessResult second = bed.apply(cloud, kSwitch);
  ASSERT_EQ(second.exit_code, 3) << dump(second);
  EXPECT_NE(second.err.find(holder_run), std::string::npos) << dump(second);
  ProcessResult waited = bed.apply(cloud, kSwitch, {"--wait-lock", "300ms"});
  ASSERT_EQ(waited.exit_code, 3) << dump(waited);
  EXPECT_NE(waited.err.find(holder_run), std::string::npos) << dump(waited);
  EXPECT_EQ(cloud.state().at("Received").as_object().count("emr.ModifyResourceScheduler"), 0u);

  auto rows = e2e::export_rows(bed, cloud);
  for (const auto& run : {e2e::run_id_of(second), e2e::run_id_of(waited)}) {
    auto refused = e2e::select(rows, "refused");
    bool found = false;
    for (const auto& r : refused) {
      if (r.str("run_id") != run) continue;
      found = true;
      EXPECT_EQ(r.field("reason"), "lock");
      EXPECT_NE(r.field("detail").find(holder_run), std::string::npos);
    }
    EXPECT_TRUE(found) << "no refusal recorded for " << run;
  }

  // Resumed, the holder finishes and lets go; then the other change goes through.
  ProcessResult resumed = bed.apply(cloud, kRestart, {"--resume", holder_run});
  ASSERT_EQ(resumed.exit_code, 0) << dump(resumed);
  ProcessResult after = bed.apply(cloud, kSwitch);
  ASSERT_EQ(after.exit_code, 0) << dump(after);
}

TEST(ApplyLock, ARunningHolderRefusesOthersAndWaitLockWaitsForIt) {
  // A slow clock: the restart holds the cluster until the test moves the clock past its end.
  LocalCloudOptions o;
  o.fixture = e2e::fleet_fixture();
  o.time_scale = 5;
  LocalCloud cloud(o);
  // Two operators on two hosts: two working directories and host names, one store.
  Bed bed;
  bed.host = "bastion-a";
  Bed other;
  other.db = bed.db;
  other.host = "bastion-b";

  ProcessResult first;
  std::thread holder([&] { first = bed.apply(cloud, kRestart); });
  std::unique_ptr<audit::EventStore> store;
  std::string holder_run;
  bool held = e2e::eventually([&] {
    if (!store && e2e::store_exists(bed.db)) {
      auto s = audit::EventStore::open(bed.db);
      if (s) store = std::move(*s);
    }
    if (store) holder_run = lock_holder(*store);
    return !holder_run.empty();
  });
  if (!held) {
    holder.join();
    FAIL() << "the first apply never took the lock: " << dump(first);
  }

  ProcessResult refused = other.apply(cloud, kSwitch);
  EXPECT_EQ(refused.exit_code, 3) << dump(refused);
  EXPECT_NE(refused.err.find(holder_run), std::string::npos) << dump(refused);
  EXPECT_NE(refused.err.find("@bastion-a"), std::string::npos) << dump(refused);

  ProcessResult waiter;
  std::thread second([&] { waiter = other.apply(cloud, kSwitch, {"--wait-lock", "10m"}); });
  // Once the waiter's run has started (and found the lock taken), let the restart finish.
  std::string waiter_run;
  bool started = e2e::eventually([&] {
    auto runs = store->run_ids();
    if (!runs) return false;
    for (const auto& r : *runs) {
      if (r != holder_run && r != e2e::run_id_of(refused)) waiter_run = r;
    }
    return !waiter_run.empty();
  });
  if (started) cloud.advance_ms(10 * 60 * 1000);
  holder.join();
  if (!started) cloud.advance_ms(10 * 60 * 1000);
  second.join();
  ASSERT_TRUE(started);

  ASSERT_EQ(first.exit_code, 0) << dump(first);
  ASSERT_EQ(waiter.exit_code, 0) << dump(waiter);
  EXPECT_EQ(e2e::run_id_of(first), holder_run);
  EXPECT_EQ(e2e::run_id_of(waiter), waiter_run);

  // The waiter started while the holder held the lock, and took it only after its release.
  auto rows = e2e::export_rows(bed, cloud);
  const std::int64_t released = first_seq(rows, "lock_released", holder_run);
  ASSERT_GT(released, 0);
  EXPECT_LT(first_seq(rows, "run_started", waiter_run), released);
  EXPECT_GT(first_seq(rows, "lock_acquired", waiter_run), released);
  EXPECT_EQ(cloud.state().at("Received").at("emr.ModifyResourceScheduler"), 1);
}

}  // namespace apply_lock_e2e_test
}  // namespace tcplan::testing
