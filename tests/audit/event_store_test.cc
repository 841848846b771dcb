// The store's contract: seqs without gaps, a linear chain even with concurrent appenders,
// 0600 files, WAL + synchronous=FULL, triggers that reject UPDATE/DELETE, locks as events.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <thread>

#include "audit/chain.h"
#include "audit/verify.h"
#include "tests/audit/fixture.h"

namespace tcplan::audit::testing {
namespace event_store_test {

using tcplan::testing::TempDir;

TEST(EventStore, AppendAssignsConsecutiveSeqsAndLinksHashes) {
  TempDir dir;
  auto store = open_store(dir / "a.db");
  std::string prev(kGenesisHash);
  for (int i = 1; i <= 5; ++i) {
    auto e = store->append(make(EventKind::kStepStarted, "r1", "s" + std::to_string(i)));
    ASSERT_TRUE(e) << e.error().message;
    EXPECT_EQ(e->seq, i);
    EXPECT_EQ(e->prev_hash, prev);
    EXPECT_EQ(e->hash, chain_hash(prev, *e));
    EXPECT_FALSE(e->operator_user.empty());
    EXPECT_FALSE(e->operator_host.empty());
    EXPECT_EQ(e->tool_version, std::string("tcplan ") + TCPLAN_VERSION);
    prev = e->hash;
  }
  auto events = store->run_events("r1");
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 5u);
  EXPECT_EQ(events->at(2).step_id, "s3");
  EXPECT_EQ(events->at(4).hash, prev);
}

TEST(EventStore, FilesAreCreatedOwnerOnlyInWalModeWithFullSync) {
  TempDir dir;
  auto store = open_store(dir / "a.db");
  ASSERT_TRUE(store->append(make(EventKind::kRunStarted, "r1")));
  for (const char* name : {"a.db", "a.db-wal"}) {
    struct stat st {};
    ASSERT_EQ(::stat((dir / name).c_str(), &st), 0) << name;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << name;
  }
  RawDb raw(dir / "a.db");
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(raw.get(), "PRAGMA journal_mode", -1, &s, nullptr);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), "wal");
  sqlite3_finalize(s);
}

TEST(EventStore, TriggersRejectUpdateAndDelete) {
  TempDir dir;
  auto store = open_store(dir / "a.db");
  ASSERT_TRUE(store->append(make(EventKind::kRunStarted, "r1")));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "a.db").c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  EXPECT_NE(sqlite3_exec(db, "UPDATE events SET run_id = 'x'", nullptr, nullptr, &err), SQLITE_OK);
  ASSERT_NE(err, nullptr);
  EXPECT_NE(std::string(err).find("append-only"), std::string::npos) << err;
  sqlite3_free(err);
  EXPECT_NE(sqlite3_exec(db, "DELETE FROM events", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto events = store->run_events("r1");
  ASSERT_TRUE(events);
  EXPECT_EQ(events->size(), 1u);
}

// Separate connections behave like separate processes to SQLite: BEGIN IMMEDIATE must keep
// seq and prev_hash consistent between them.
TEST(EventStore, ConcurrentAppendersFormOneLinearChain) {
  TempDir dir;
  open_store(dir / "a.db");
  constexpr int kWriters = 4, kEach = 40;
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      auto store = open_store(dir / "a.db");
      for (int i = 0; i < kEach; ++i) {
        if (!store->append(make(EventKind::kWaitPolled, "run-" + std::to_string(w)))) ++failures;
      }
    });
  }
  for (auto& t : writers)
    t.join();
  EXPECT_EQ(failures.load(), 0);
  auto store = open_store(dir / "a.db");
  auto r = verify_store(*store, {});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->intact()) << describe(*r);
  EXPECT_EQ(r->events, kWriters * kEach);
  EXPECT_EQ(r->last_seq, kWriters * kEach);
}

TEST(EventStore, SealSignsTheHeadBeforeIt) {
  TempDir dir;
  auto key = SealKey::load_or_create(dir / "k.pem");
  ASSERT_TRUE(key);
  auto store = open_store(dir / "a.db");
  auto head = store->append(make(EventKind::kRunFinished, "r1", "", R"({"status":"succeeded"})"));
  ASSERT_TRUE(head);
  auto seal = store->seal("r1", *key);
  ASSERT_TRUE(seal) << seal.error().message;
  EXPECT_EQ(seal->seq, head->seq + 1);
  EXPECT_NE(seal->payload.find("\"head_hash\":\"" + head->hash + "\""), std::string::npos)
      << seal->payload;
  EXPECT_NE(seal->payload.find(key->public_key_hex()), std::string::npos) << seal->payload;
}

TEST(EventStore, LocksAreExclusiveAndRecordedAsEvents) {
  TempDir dir;
  auto store = open_store(dir / "a.db");
  ASSERT_TRUE(store->acquire_lock("cluster:emr-1", "run-a", "scale out"));
  auto second = store->acquire_lock("cluster:emr-1", "run-b", "terminate");
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("held by run run-a"), std::string::npos)
      << second.error().message;
  auto held = store->locks();
  ASSERT_TRUE(held);
  ASSERT_EQ(held->size(), 1u);
  EXPECT_EQ(held->at(0).holder_run_id, "run-a");
  EXPECT_FALSE(store->release_lock("cluster:emr-1", "run-b"));
  ASSERT_TRUE(store->release_lock("cluster:emr-1", "run-a"));
  EXPECT_TRUE(store->acquire_lock("cluster:emr-1", "run-b", "terminate"));
  ASSERT_TRUE(store->release_lock("cluster:emr-1", "run-x", /*force=*/true));
  held = store->locks();
  ASSERT_TRUE(held);
  EXPECT_TRUE(held->empty());
  auto lock_events = store->query(of_kind(EventKind::kLockReleased));
  ASSERT_TRUE(lock_events);
  ASSERT_EQ(lock_events->size(), 2u);
  EXPECT_NE(lock_events->back().payload.find("\"forced\":true"), std::string::npos);
}

TEST(EventStore, QueryFiltersByRunTimeAndAction) {
  TempDir dir;
  auto key = SealKey::load_or_create(dir / "k.pem");
  ASSERT_TRUE(key);
  auto store = open_store(dir / "a.db");
  write_run(*store, "r1", *key);
  write_run(*store, "r2", *key);
  EventQuery by_action;
  by_action.run_id = "r2";
  by_action.action = "CreateInstance";
  auto creates = store->query(by_action);
  ASSERT_TRUE(creates);
  EXPECT_EQ(creates->size(), 4u);  // 2 requests + 2 responses
  for (const auto& e : *creates)
    EXPECT_EQ(e.run_id, "r2");
  auto all = store->query({});
  ASSERT_TRUE(all);
  EventQuery window;
  window.since_ms = all->at(20).time_ms;
  window.until_ms = all->at(22).time_ms;
  auto late = store->query(window);
  ASSERT_TRUE(late);
  ASSERT_EQ(late->size(), 3u);
  EXPECT_EQ(late->front().seq, 21);
  auto ids = store->run_ids();
  ASSERT_TRUE(ids);
  EXPECT_EQ(*ids, (std::vector<std::string>{"r1", "r2"}));
}

}  // namespace event_store_test
}  // namespace tcplan::audit::testing
