// The journal's failure state is read by the runner's threads while another thread records it:
// whoever sees the journal unhealthy must read the first failure's message, whole. Before the
// message was guarded by a lock, ThreadSanitizer flagged this test (scripts/test runs it).
#include "executor/journal.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "audit/event_store.h"
#include "tests/testing/process.h"

namespace tcplan::executor {
namespace journal_test {

TEST(JournalFailure, ReadersThatSeeItUnhealthyReadTheFirstMessageWhole) {
  testing::TempDir dir;
  auto store = audit::EventStore::open(dir.path() / "trail.db");
  ASSERT_TRUE(store) << store.error().message;
  constexpr int kRounds = 50;
  constexpr int kReaders = 3;
  for (int round = 0; round < kRounds; ++round) {
    Journal journal(**store, "run-" + std::to_string(round));
    const std::string by_b = "run-" + std::to_string(round) + " taken over by host-b";
    const std::string by_c = "run-" + std::to_string(round) + " taken over by host-c";
    std::atomic<bool> go{false};
    std::vector<std::string> seen(kReaders);
    std::vector<std::thread> readers;
    for (int r = 0; r < kReaders; ++r) {
      readers.emplace_back([&, r] {
        while (!go.load()) {
        }
        while (journal.healthy()) {
        }
        seen[static_cast<std::size_t>(r)] = journal.failure();
      });
    }
    std::thread second([&] {
      while (!go.load()) {
      }
      journal.lose_lease(by_c);
    });
    go.store(true);
    journal.lose_lease(by_b);
    second.join();
    for (auto& t : readers)
      t.join();
    // Either loss may come first; every reader sees the one that did, whole.
    const std::string kept = journal.failure();
    EXPECT_TRUE(kept == by_b || kept == by_c) << kept;
    for (const std::string& message : seen)
      EXPECT_EQ(message, kept) << "round " << round;
    EXPECT_FALSE(journal.healthy());
    EXPECT_TRUE(journal.lease_lost());
    // A journal that lost its lease writes nothing more, and says why.
    auto refused = journal.record(audit::EventKind::kStepStarted, {"s", "", 0}, {});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().message, kept);
  }
}

TEST(JournalFailure, OnlyTheFirstFailureIsKept) {
  testing::TempDir dir;
  auto store = audit::EventStore::open(dir.path() / "trail.db");
  ASSERT_TRUE(store) << store.error().message;
  Journal journal(**store, "run-1");
  EXPECT_TRUE(journal.healthy());
  EXPECT_EQ(journal.failure(), "");
  journal.lose_lease("taken over by host-b");
  journal.lose_lease("taken over by host-c");
  EXPECT_EQ(journal.failure(), "taken over by host-b");
}

}  // namespace journal_test
}  // namespace tcplan::executor
