// The PostgreSQL team store (docs/team.md) on the throw-away test server: `audit init` is
// idempotent and is what apply needs first; the server itself refuses the writer role UPDATE,
// DELETE and TRUNCATE of events; a row changed by a superuser with the triggers off is named
// by `audit verify`; writers on separate connections, and threads sharing one store (group
// commit: ThreadSanitizer runs these), form one gapless chain; and `audit copy`
// moves a real run's trail SQLite -> PostgreSQL -> SQLite, verified at all three.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "audit/location.h"
#include "audit/pg_schema.h"
#include "audit/verify.h"
#include "tests/audit/fixture.h"
#include "tests/executor/e2e.h"
#include "tests/testing/local_cloud.h"
#include "tests/testing/pg_server.h"
#include "tests/testing/store.h"

namespace tcplan::audit::testing {
namespace team_store_test {

using tcplan::testing::fresh_pg_store;
using tcplan::testing::ProcessResult;
using tcplan::testing::run_tcplan;
using tcplan::testing::shared_pg_server;
using tcplan::testing::TempDir;

std::string dump(const ProcessResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\n--- stdout\n" + r.out + "--- stderr\n" + r.err;
}

// The same database, connecting as `user` (the test server trusts its socket).
std::string as_user(const std::string& uri, const std::string& user) {
  auto at = uri.find("user=");
  return uri.substr(0, at) + "user=" + user;
}

// A login role that is a member of `group` (roles are per server: created once).
void login_role(const std::string& name, const std::string& group) {
  shared_pg_server().execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" +
                             name + "') THEN CREATE ROLE " + name +
                             " LOGIN; END IF; END $$; GRANT " + group + " TO " + name);
}

ProcessResult verify_cli(const std::string& store, const std::string& key = {}) {
  std::vector<std::string> args{"--audit-db", store, "audit", "verify"};
  if (!key.empty()) args.insert(args.end(), {"--audit-key", key});
  return run_tcplan(args);
}

TEST(TeamStore, AnUninitialisedDatabaseIsRefusedUntilAuditInitWhichIsIdempotent) {
  const std::string uri = shared_pg_server().create_database("bare");
  auto refused = EventStore::open(uri);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("tcplan audit init"), std::string::npos)
      << refused.error().message;

  ProcessResult first = run_tcplan({"audit", "init", uri});
  ASSERT_EQ(first.exit_code, 0) << dump(first);
  EXPECT_NE(first.out.find("set up"), std::string::npos) << dump(first);
  EXPECT_EQ(first.out.find("already"), std::string::npos) << dump(first);
  ProcessResult again = run_tcplan({"audit", "init", uri});
  ASSERT_EQ(again.exit_code, 0) << dump(again);
  EXPECT_NE(again.out.find("already set up"), std::string::npos) << dump(again);

  auto store = EventStore::open(uri);
  ASSERT_TRUE(store) << store.error().message;
  auto e = (*store)->append(make(EventKind::kRunStarted, "run-1"));
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->seq, 1);

  ProcessResult sqlite = run_tcplan({"audit", "init", "some.db"});
  EXPECT_EQ(sqlite.exit_code, 2) << dump(sqlite);
}

// Roles belong to the server: two inits of two databases at once (their chain locks differ)
// both find the roles missing and create them; the second CREATE must not fail the init.
TEST(TeamStore, InitsOfTwoDatabasesAtOnceShareTheServersRoles) {
  const auto& server = shared_pg_server();
  const std::string tag = std::to_string(::getpid());
  for (int round = 0; round < 4; ++round) {
    PgInitOptions roles;
    roles.writer_role = "race_w_" + tag + "_" + std::to_string(round);
    roles.reviewer_role = "race_r_" + tag + "_" + std::to_string(round);
    const std::string a = server.create_database("race"), b = server.create_database("race");
    std::atomic<bool> go{false};
    base::Result<PgInitReport> ra = base::Error{"not run"}, rb = base::Error{"not run"};
    auto init = [&](const std::string& uri, base::Result<PgInitReport>& out) {
      auto where = parse_location(uri);
      while (!go.load()) {
      }
      out = init_postgres_store(*where, roles);
    };
    std::thread ta(init, std::cref(a), std::ref(ra)), tb(init, std::cref(b), std::ref(rb));
    go.store(true);
    ta.join();
    tb.join();
    ASSERT_TRUE(ra) << "round " << round << ": " << ra.error().message;
    ASSERT_TRUE(rb) << "round " << round << ": " << rb.error().message;
  }
}

TEST(TeamStore, TheServerRefusesTheWriterRoleUpdateDeleteAndTruncate) {
  const std::string uri = fresh_pg_store("writer");
  login_role("alice_writer", "tcplan_writer");
  login_role("bob_reviewer", "tcplan_reviewer");
  const std::string writer = as_user(uri, "alice_writer");

  // The writer role is all a run needs: events, seals, the witness row.
  TempDir dir;
  auto key = SealKey::load_or_create(dir / "key.pem");
  ASSERT_TRUE(key) << key.error().message;
  {
    auto store = open_store(writer);
    write_run(*store, "run-1", *key);
  }

  const auto& server = shared_pg_server();
  const std::string db = tcplan::testing::pg_database(uri);
  for (const std::string sql :
       {"UPDATE events SET payload = '{}' WHERE seq = 3", "DELETE FROM events WHERE seq = 3",
        "TRUNCATE events", "UPDATE meta SET value = '0'", "DELETE FROM meta"}) {
    try {
      server.execute(sql, db, "alice_writer");
      ADD_FAILURE() << sql << " was allowed";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("[42501] ERROR:  permission denied"), std::string::npos)
          << e.what();
    }
  }
  // Even the superuser is stopped by the triggers while they are on.
  EXPECT_THROW(server.execute("DELETE FROM events WHERE seq = 3", db), std::runtime_error);
  EXPECT_EQ(server.query("SELECT count(*) FROM events", db, "bob_reviewer"), "14");
  try {
    server.execute("INSERT INTO rate_buckets VALUES ('x', 1)", db, "bob_reviewer");
    ADD_FAILURE() << "the reviewer wrote";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("[42501]"), std::string::npos) << e.what();
  }

  ProcessResult verify = verify_cli(writer, (dir / "key.pem").string());
  EXPECT_EQ(verify.exit_code, 0) << dump(verify);
  EXPECT_NE(verify.out.find("chain intact: 14 events"), std::string::npos) << dump(verify);
  // A reviewer reads (and its read is not recorded: it may not write).
  ProcessResult reviewed = verify_cli(as_user(uri, "bob_reviewer"), (dir / "key.pem").string());
  EXPECT_EQ(reviewed.exit_code, 0) << dump(reviewed);
}

class TeamTamper : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = SealKey::load_or_create(dir_ / "key.pem");
    ASSERT_TRUE(key) << key.error().message;
    auto store = open_store(uri_);
    write_run(*store, "run-a", *key);
    write_run(*store, "run-b", *key);
    ProcessResult intact = verify_cli(uri_, key_file());
    ASSERT_EQ(intact.exit_code, 0) << dump(intact);
  }
  std::string key_file() const { return (dir_ / "key.pem").string(); }
  void as_superuser(const std::string& sql) {
    shared_pg_server().execute(sql, tcplan::testing::pg_database(uri_));
  }

  TempDir dir_;
  std::string uri_ = fresh_pg_store("tamper");
};

TEST_F(TeamTamper, ARowUpdatedWithTriggersOffIsNamedBySeq) {
  as_superuser(
      "SET session_replication_role = replica; "
      "UPDATE events SET payload = replace(payload, 'emr-abc', 'emr-xyz') WHERE seq = 8");
  ProcessResult r = verify_cli(uri_, key_file());
  EXPECT_EQ(r.exit_code, 1) << dump(r);
  EXPECT_NE(r.out.find("NOT INTACT: event 8: "), std::string::npos) << dump(r);
}

TEST_F(TeamTamper, ARowDeletedWithTriggersDisabledIsNamedBySeq) {
  as_superuser(
      "ALTER TABLE events DISABLE TRIGGER ALL; DELETE FROM events WHERE seq = 20; "
      "ALTER TABLE events ENABLE TRIGGER ALL");
  ProcessResult r = verify_cli(uri_, key_file());
  EXPECT_EQ(r.exit_code, 1) << dump(r);
  EXPECT_NE(r.out.find("NOT INTACT: event 20: "), std::string::npos) << dump(r);
}

TEST_F(TeamTamper, TheTailCutBackToAnEarlierSealIsCaughtByTheStoresWitnessRow) {
  // The witness row is refused going backwards, so cut the events only.
  as_superuser("SET session_replication_role = replica; DELETE FROM events WHERE seq > 14");
  ProcessResult r = verify_cli(uri_, key_file());
  EXPECT_EQ(r.exit_code, 1) << dump(r);
  EXPECT_NE(r.out.find("TRUNCATED"), std::string::npos) << dump(r);
}

TEST(TeamStore, WritersOnSeparateConnectionsFormOneGaplessChain) {
  const std::string uri = fresh_pg_store("writers");
  constexpr int kWriters = 4, kEach = 40;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      auto store = EventStore::open(uri);  // its own connections, as another process has
      if (!store) {
        ++failures;
        return;
      }
      for (int i = 0; i < kEach; ++i) {
        if (!(*store)->append(make(EventKind::kWaitPolled, "run-" + std::to_string(w), "s"))) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads)
    t.join();
  ASSERT_EQ(failures.load(), 0);
  auto store = EventStore::open(uri);
  ASSERT_TRUE(store);
  auto report = verify_store(**store, {});
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_TRUE(report->intact()) << describe(*report);
  EXPECT_EQ(report->events, kWriters * kEach);
  EXPECT_EQ(report->last_seq, kWriters * kEach);
}

// The executor's workers share one store: their appends meet in group commits on one
// connection, and every one of them is in the chain once.
TEST(TeamStore, ThreadsSharingOneStoreFormOneGaplessChain) {
  const std::string uri = fresh_pg_store("threads");
  auto store = EventStore::open(uri);
  ASSERT_TRUE(store) << store.error().message;
  constexpr int kThreads = 4, kEach = 40;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        if (!(*store)->append(make(EventKind::kWaitPolled, "run-" + std::to_string(t), "s"))) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads)
    t.join();
  ASSERT_EQ(failures.load(), 0);
  auto report = verify_store(**store, {});
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_TRUE(report->intact()) << describe(*report);
  EXPECT_EQ(report->last_seq, kThreads * kEach);
  for (int t = 0; t < kThreads; ++t) {
    auto events = (*store)->run_events("run-" + std::to_string(t));
    ASSERT_TRUE(events);
    EXPECT_EQ(events->size(), static_cast<std::size_t>(kEach)) << "run-" << t;
  }
}

TEST(TeamStore, RateSlotsBookedFromTwoConnectionsNeverOverlap) {
  const std::string uri = fresh_pg_store("rate");
  auto one = EventStore::open(uri), two = EventStore::open(uri);
  ASSERT_TRUE(one && two);
  constexpr std::int64_t kInterval = 50'000;  // 20 a second
  auto a = (*one)->take_rate_slots("bucket", kInterval, 5);
  auto b = (*two)->take_rate_slots("bucket", kInterval, 5);
  auto other = (*two)->take_rate_slots("another", kInterval, 5);
  ASSERT_TRUE(a && b && other);
  EXPECT_EQ(a->count, 5);
  // On the server's clock: booked from now on, the second after every slot of the first.
  EXPECT_GE(a->first_us, a->now_us);
  EXPECT_GE(b->first_us, a->first_us + 5 * kInterval);
  EXPECT_LE(other->first_us, other->now_us + kInterval);  // buckets are independent
  // Unused slots handed back are booked again; once someone booked after them, they are not.
  ASSERT_TRUE((*two)->return_rate_slots("bucket", b->first_us + 2 * kInterval,
                                        b->first_us + 5 * kInterval));
  auto c = (*one)->take_rate_slots("bucket", kInterval, 1);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->first_us, std::max(b->first_us + 2 * kInterval, c->now_us));
  ASSERT_TRUE((*one)->return_rate_slots("bucket", a->first_us, a->first_us + 5 * kInterval));
  auto d = (*two)->take_rate_slots("bucket", kInterval, 1);
  ASSERT_TRUE(d);
  EXPECT_GE(d->first_us, c->first_us + kInterval);
}

// Events of `store` up to `last` as "seq:hash" lines.
std::string chain_of(const std::string& store, std::int64_t last) {
  auto s = EventStore::open(store);
  if (!s) return s.error().message;
  std::string out;
  auto ok = (*s)->scan(1, [&](const Event& e) {
    if (e.seq > last) return false;
    out += std::to_string(e.seq) + ":" + e.hash + "\n";
    return true;
  });
  return ok ? out : ok.error().message;
}

TEST(TeamStore, AuditCopyRoundTripsARealRunSqliteToPostgresToSqlite) {
  namespace e2e = tcplan::testing::e2e;
  tcplan::testing::LocalCloudOptions o;
  o.fixture = e2e::fleet_fixture();
  tcplan::testing::LocalCloud cloud(o);
  TempDir dir;
  const std::string local = (dir / "local.db").string();
  ProcessResult applied = tcplan::testing::run_tcplan_against(
      cloud, local, {"apply", (e2e::data_dir() / "restart-etl.toml").string(), "--yes"});
  ASSERT_EQ(applied.exit_code, 0) << dump(applied);
  const std::string key = default_key_path(local).string();
  auto head = EventStore::open(local);
  ASSERT_TRUE(head);
  auto last = (*head)->last_seq();
  ASSERT_TRUE(last);
  head->reset();

  const std::string team = fresh_pg_store("copy");
  ProcessResult up = run_tcplan({"audit", "copy", local, team});
  ASSERT_EQ(up.exit_code, 0) << dump(up);
  EXPECT_NE(up.out.find("copied " + std::to_string(*last) + " events"), std::string::npos)
      << dump(up);
  const std::string back = (dir / "back.db").string();
  ProcessResult down = run_tcplan({"audit", "copy", team, back});
  ASSERT_EQ(down.exit_code, 0) << dump(down);

  for (const auto& store : {local, team, back}) {
    ProcessResult v = verify_cli(store, key);
    EXPECT_EQ(v.exit_code, 0) << store << "\n" << dump(v);
  }
  const std::string original = chain_of(local, *last);
  EXPECT_EQ(std::count(original.begin(), original.end(), '\n'), *last);
  EXPECT_EQ(chain_of(team, *last), original);
  EXPECT_EQ(chain_of(back, *last), original);

  // A destination that already holds a trail is refused, and left as it was.
  ProcessResult twice = run_tcplan({"audit", "copy", local, team});
  EXPECT_NE(twice.exit_code, 0) << dump(twice);
  EXPECT_EQ(chain_of(team, *last), original);
}

}  // namespace team_store_test
}  // namespace tcplan::audit::testing
