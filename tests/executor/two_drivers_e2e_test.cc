// One driver per run (docs/executor.md, "One driver per run"): while `tcplan apply` drives a
// run, a second `apply --resume RUN` is refused naming the owner's pid and host; once the owner
// is killed the second takes the run over (a lease_taken_over event) and finishes it, exactly
// once. And the fence: an owner that was stopped (SIGSTOP) and taken over, once continued, can
// record nothing more, so it sends nothing more.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <memory>

#include "audit/event_store.h"
#include "audit/location.h"
#include "tests/executor/crash/background.h"
#include "tests/executor/crash/lifecycle.h"
#include "tests/testing/pg_server.h"

namespace tcplan::testing::crash {
namespace two_drivers_e2e_test {

std::string this_host() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

bool trail_has(const std::filesystem::path& db,
               const std::function<bool(const TrailEvent&)>& match) {
  return e2e::eventually(
      [&] {
        for (const auto& e : read_trail(db))
          if (match(e)) return true;
        return false;
      },
      std::chrono::seconds{30});
}

// Whether another process holds the trail's write lock (a transaction in progress): SQLite's
// write lock, or a PostgreSQL store's chain lock (a transaction-scoped advisory lock).
bool write_lock_free(const std::filesystem::path& db) {
  if (audit::is_postgres_location(db.string())) {
    return shared_pg_server().query(
               "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND "
               "database = (SELECT oid FROM pg_database WHERE datname = current_database())",
               pg_database(db.string())) == "0";
  }
  sqlite3* h = nullptr;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    sqlite3_close(h);
    return false;
  }
  const bool free = sqlite3_exec(h, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
  if (free) sqlite3_exec(h, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(h);
  return free;
}

BackgroundOptions named(const std::string& name,
                        const std::map<std::string, std::string>& env = {}) {
  BackgroundOptions o;
  o.name = name;
  o.test_hooks = !env.empty();
  o.env = env;
  return o;
}

bool stopped(pid_t pid) {
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'T';
}

std::string run_of_first(const std::filesystem::path& db) {
  for (const auto& e : read_trail(db))
    if (e.kind == "run_started") return e.run_id;
  return {};
}

TEST(TwoDrivers, TheSecondIsRefusedWhileTheOwnerLivesAndTakesOverWhenItIsKilled) {
  e2e::Bed bed;
  LocalCloudOptions o;
  o.state_file = bed.dir / "cloud.db";
  o.time_scale = 20;  // the 10-minute create takes 30 s: the owner is busy for all of this
  auto cloud = std::make_unique<LocalCloud>(o);
  Background owner(*cloud, bed.db, {"apply", lifecycle_plan().string(), "--yes"}, bed.dir.path(),
                   named("owner"));
  ASSERT_TRUE(trail_has(bed.db, [](const TrailEvent& e) {
    return e.step_id == "wait-created" && e.kind == "wait_polled";
  })) << owner.err();
  const std::string run = run_of_first(bed.db);

  ProcessResult second = bed.apply(*cloud, lifecycle_plan(), {"--resume", run});
  EXPECT_EQ(second.exit_code, 3) << e2e::dump(second);
  EXPECT_NE(second.err.find("pid " + std::to_string(owner.pid()) + " on host " + this_host()),
            std::string::npos)
      << e2e::dump(second);
  for (const auto& e : read_trail(bed.db)) {
    EXPECT_FALSE(e.run_id == run && e.kind.rfind("lease_", 0) == 0 && e.kind != "lease_acquired")
        << "the refused driver wrote " << e.kind;
    EXPECT_FALSE(e.run_id == run && e.kind == "run_started" &&
                 e.payload.find("\"resume\"") != std::string::npos)
        << "the refused driver started the run again";
  }

  const pid_t owner_pid = owner.pid();
  owner.signal(SIGKILL);
  auto killed = owner.wait(std::chrono::seconds{30});
  ASSERT_TRUE(killed.has_value());
  EXPECT_EQ(killed->exit_code, 128 + 9);

  // The same cloud state at a fast clock: the takeover finishes the run.
  cloud.reset();
  o.time_scale = 10000;
  cloud = std::make_unique<LocalCloud>(o);
  ProcessResult takeover = bed.apply(*cloud, lifecycle_plan(), {"--resume", run, "--explain"});
  ASSERT_EQ(takeover.exit_code, 0) << e2e::dump(takeover);
  EXPECT_EQ(e2e::run_id_of(takeover), run);

  auto trail = read_trail(bed.db);
  int taken = 0;
  for (const auto& e : trail) {
    if (e.run_id != run || e.kind != "lease_taken_over") continue;
    ++taken;
    EXPECT_NE(e.payload.find("has exited"), std::string::npos) << e.payload;
    EXPECT_NE(e.payload.find("\"pid\":" + std::to_string(owner_pid)), std::string::npos)
        << e.payload;
  }
  EXPECT_EQ(taken, 1);
  cloud->advance_ms(3600 * 1000);
  expect_lifecycle_done(cloud->state(), run);
  expect_every_request_answered(trail, run);
  ProcessResult verify = bed.tcplan(*cloud, {"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << e2e::dump(verify);
}

TEST(TwoDrivers, AStoppedOwnerThatWasTakenOverSendsNothingWhenItWakes) {
  e2e::Bed bed;
  LocalCloudOptions o;
  o.fixture = e2e::fleet_fixture();
  o.state_file = bed.dir / "cloud.db";
  o.time_scale = 5;  // the 2-minute restart lasts 24 s: the owner waits for it all along
  LocalCloud cloud(o);
  // The owner and the second driver on two hosts: no pid can be checked across hosts, so
  // only the heartbeat's age (on the store's clock) lets the second take over.
  std::map<std::string, std::string> short_lease{{"TCPLAN_TEST_LEASE_STALE_MS", "1500"},
                                                 {"TCPLAN_HOST", "bastion-a"}};
  const auto plan = e2e::data_dir() / "restart-etl.toml";
  Background owner(cloud, bed.db, {"apply", plan.string(), "--yes"}, bed.dir.path(),
                   named("owner", short_lease));
  short_lease["TCPLAN_HOST"] = "bastion-b";
  TempDir second_dir;  // the second host's working directory
  // The restart was answered: the owner now waits out its documented 24 s before reading.
  ASSERT_TRUE(trail_has(bed.db, [](const TrailEvent& e) {
    return e.step_id == "restart-yarn" && e.kind == "response_received";
  })) << owner.err();
  const std::string run = run_of_first(bed.db);
  // Stopped outside a transaction: one held across the stop would block every other writer.
  ASSERT_TRUE(e2e::eventually([&] {
    owner.signal(SIGSTOP);
    if (!e2e::eventually([&] { return stopped(owner.pid()); }, std::chrono::seconds{5}))
      return false;
    if (write_lock_free(bed.db)) return true;
    owner.signal(SIGCONT);
    return false;
  }));

  // Its heartbeat goes stale; then a second driver takes the run over and finishes it.
  auto store = audit::EventStore::open(bed.db);
  ASSERT_TRUE(store);
  ASSERT_TRUE(e2e::eventually([&] {
    auto lease = (*store)->lease(run);
    return lease && *lease && (*store)->now_ms() - (*lease)->heartbeat_ms > 1500;
  }));
  Background second(cloud, bed.db, {"apply", plan.string(), "--yes", "--resume", run},
                    second_dir.path(), named("second", short_lease));
  ASSERT_TRUE(trail_has(bed.db, [&](const TrailEvent& e) {
    return e.run_id == run && e.kind == "lease_taken_over";
  })) << second.err();
  for (const auto& e : read_trail(bed.db)) {
    if (e.run_id != run || e.kind != "lease_taken_over") continue;
    EXPECT_NE(e.payload.find("on host bastion-a has not renewed the lease"), std::string::npos)
        << e.payload;
  }
  cloud.advance_ms(10 * 60 * 1000);  // the restart ends
  auto finished = second.wait(std::chrono::seconds{60});
  ASSERT_TRUE(finished.has_value()) << second.err();
  ASSERT_EQ(finished->exit_code, 0) << e2e::dump(*finished);
  ProcessResult verify = bed.tcplan(cloud, {"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << e2e::dump(verify);
  const std::int64_t sealed_at = read_trail(bed.db).back().seq;

  // The stopped owner wakes: it finds the run taken and stops, sending and recording nothing.
  owner.signal(SIGCONT);
  auto woke = owner.wait(std::chrono::seconds{60});
  ASSERT_TRUE(woke.has_value());
  EXPECT_EQ(woke->exit_code, 3) << e2e::dump(*woke);
  EXPECT_NE(woke->err.find("lost run " + run), std::string::npos) << e2e::dump(*woke);
  std::int64_t requests = 0;
  for (const auto& e : read_trail(bed.db)) {
    requests += e.kind == "request_sent";
    if (e.seq <= sealed_at) continue;
    // Only the answer of a request already on the wire when it was stopped may follow.
    EXPECT_TRUE(e.kind == "response_received" || e.kind == "transport_error")
        << e.kind << " written by the stopped owner after the takeover";
  }
  // Every call the cloud received is in the trail: nothing left unrecorded.
  std::int64_t received = 0;
  const json::value state = cloud.state();
  for (const auto& [action, n] : state.at("Received").as_object())
    received += n.to_number<std::int64_t>();
  EXPECT_EQ(received, requests);
  int restarts = 0;
  for (const auto& f : state.at("Flows").as_array())
    restarts += str_of(f.as_object(), "Action") == "StartStopServiceOrMonitor";
  EXPECT_EQ(restarts, 1);
}

}  // namespace two_drivers_e2e_test
}  // namespace tcplan::testing::crash
