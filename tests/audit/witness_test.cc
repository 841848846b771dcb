// Anchored seals: seals are numbered and linked, the sealer records the latest one in a
// witness outside the trail, and a trail cut back to any earlier point is detected with the
// witness (or --expect-head) and reported without it as "cannot be ruled out". A witness
// never moves backwards, and a sealer refuses to seal over a trail that no longer reaches it.
#include "audit/witness.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <thread>

#include "audit/chain.h"
#include "audit/verify.h"
#include "tests/audit/fixture.h"

namespace tcplan::audit::testing {
namespace witness_test {

using tcplan::testing::read_file;
using tcplan::testing::run_tcplan;
using tcplan::testing::TempDir;

WitnessState state(std::int64_t counter, std::int64_t seq, char fill = 'a') {
  return WitnessState{counter, seq, std::string(64, fill), "run", "fp", 0};
}

TEST(Witness, AdvancesOnlyForward) {
  struct Case {
    std::optional<WitnessState> stored;
    WitnessState next;
    AdvanceDecision expected;
    const char* why;
  };
  const Case cases[] = {
      {std::nullopt, state(1, 10), AdvanceDecision::kWrite, "first seal"},
      {state(1, 10), state(2, 20), AdvanceDecision::kWrite, "the next seal"},
      {state(1, 10), state(5, 90), AdvanceDecision::kWrite, "several seals later"},
      {state(2, 20), state(2, 20), AdvanceDecision::kKeep, "the same seal again"},
      {state(3, 30), state(2, 20), AdvanceDecision::kKeep, "a slower sealer, already passed"},
      {state(2, 20, 'a'), state(2, 20, 'b'), AdvanceDecision::kRefuse, "same seal, other hash"},
      {state(2, 20), state(2, 21), AdvanceDecision::kRefuse, "same counter, other seq"},
      {state(2, 20), state(3, 15), AdvanceDecision::kRefuse, "higher counter, lower seq"},
      {state(3, 30), state(2, 40), AdvanceDecision::kRefuse, "lower counter, higher seq"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(advance_decision(c.stored, c.next), c.expected) << c.why;
  }
}

TEST(Witness, FileRoundTripsIsPrivateAndNeverMovesBack) {
  TempDir dir;
  FileWitness w(dir / "w.json");
  auto empty = w.read();
  ASSERT_TRUE(empty);
  EXPECT_FALSE(*empty);
  ASSERT_TRUE(w.advance(state(2, 20)));
  struct stat st {};
  ASSERT_EQ(::stat((dir / "w.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_TRUE(w.advance(state(1, 10)));  // kept: the witness is already further
  auto read = w.read();
  ASSERT_TRUE(read);
  ASSERT_TRUE(*read);
  EXPECT_EQ((*read)->counter, 2);
  EXPECT_EQ((*read)->seq, 20);
  auto refused = w.advance(state(2, 20, 'b'));
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("not one history"), std::string::npos);
  tcplan::testing::write_file(dir / "bad.json", "{\"format\":\"x\"}");
  EXPECT_FALSE(FileWitness(dir / "bad.json").read());
}

// Sealers racing (two applies ending together): whatever the interleaving, the witness ends
// at the highest seal and is never seen going backwards.
TEST(Witness, ConcurrentAdvancesEndAtTheHighestSeal) {
  TempDir dir;
  constexpr int kThreads = 4, kEach = 25;
  std::vector<std::thread> threads;
  std::atomic<bool> went_back{false};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      FileWitness w(dir / "w.json");
      for (int i = 0; i < kEach; ++i) {
        std::int64_t n = i * kThreads + t + 1;
        auto before = w.read();
        if (!w.advance(state(n, n * 10))) went_back = true;
        auto after = w.read();
        if (before && after && *before && *after && (*after)->counter < (*before)->counter) {
          went_back = true;
        }
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_FALSE(went_back.load());
  auto final_state = FileWitness(dir / "w.json").read();
  ASSERT_TRUE(final_state);
  ASSERT_TRUE(*final_state);
  EXPECT_EQ((*final_state)->counter, kThreads * kEach);
}

class ThreeRuns : public ::testing::Test {
 protected:
  void SetUp() override {
    auto k = SealKey::load_or_create(dir_ / "key.pem");
    ASSERT_TRUE(k) << k.error().message;
    key_.emplace(*k);
    auto store = open_store(db());
    for (const char* run : {"run-a", "run-b", "run-c"}) {
      write_run(*store, run, *key_);
      auto last = store->last_seq();
      ASSERT_TRUE(last);
      auto events = store->query({});
      ASSERT_TRUE(events);
      seals_.push_back(events->back());
    }
  }
  std::filesystem::path db() const { return dir_ / "audit.db"; }
  std::filesystem::path witness_path() const {
    return default_witness_path(db(), dir_ / "key.pem");
  }
  std::optional<WitnessState> witness() const {
    auto w = FileWitness(witness_path()).read();
    EXPECT_TRUE(w);
    return *w;
  }
  static Anchor anchor_of(const WitnessState& w) {
    return Anchor{"witness", w.seq, w.hash, w.counter};
  }
  VerifyReport verify(const std::filesystem::path& path, std::vector<Anchor> anchors) {
    auto store = open_store(path);
    VerifyOptions o;
    o.trusted_public_key = key_->public_key_hex();
    o.anchors = std::move(anchors);
    auto r = verify_store(*store, o);
    EXPECT_TRUE(r) << r.error().message;
    return *r;
  }
  // A copy of the trail with every event after `keep` deleted, triggers dropped first.
  std::filesystem::path cut_copy(const TempDir& to, std::int64_t keep) {
    std::filesystem::copy_file(db(), to / "audit.db");
    RawDb(to / "audit.db").exec("DELETE FROM events WHERE seq > " + std::to_string(keep));
    return to / "audit.db";
  }

  TempDir dir_;
  std::optional<SealKey> key_;
  std::vector<Event> seals_;  // the three seal events, in order
};

TEST_F(ThreeRuns, SealsAreNumberedAndLinkedAndTheWitnessHoldsTheLast) {
  for (std::size_t i = 0; i < seals_.size(); ++i) {
    EXPECT_EQ(seals_[i].kind, EventKind::kSealed);
    EXPECT_NE(seals_[i].payload.find("\"counter\":" + std::to_string(i + 1)), std::string::npos);
    std::string prev = i == 0 ? std::string(kGenesisHash) : seals_[i - 1].hash;
    EXPECT_NE(seals_[i].payload.find("\"prev_seal_hash\":\"" + prev + "\""), std::string::npos)
        << seals_[i].payload;
  }
  auto w = witness();
  ASSERT_TRUE(w);
  EXPECT_EQ(w->counter, 3);
  EXPECT_EQ(w->seq, seals_.back().seq);
  EXPECT_EQ(w->hash, seals_.back().hash);
  EXPECT_EQ(w->key_fingerprint, key_->fingerprint());
  auto r = verify(db(), {anchor_of(*w)});
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.last_seal_counter, 3);
  EXPECT_NE(describe(r).find("the trail still reaches it"), std::string::npos) << describe(r);
}

// The done-when of issue 11: cut back to every earlier point — in particular right after each
// earlier seal, where the remaining trail is intact and sealed — and the witness catches it.
TEST_F(ThreeRuns, CutBackToAnyEarlierPointIsDetectedWithTheWitness) {
  auto w = witness();
  ASSERT_TRUE(w);
  for (std::int64_t keep = 1; keep < w->seq; ++keep) {
    TempDir copy;
    auto r = verify(cut_copy(copy, keep), {anchor_of(*w)});
    ASSERT_TRUE(r.problem) << "cut after " << keep << ": " << describe(r);
    EXPECT_EQ(r.problem->kind, ProblemKind::kTruncated) << keep;
    EXPECT_EQ(r.problem->seq, keep + 1) << keep;
    EXPECT_FALSE(r.ok());
    std::string text = describe(r);
    EXPECT_NE(text.find("TRUNCATED"), std::string::npos) << text;
    EXPECT_NE(text.find("events " + std::to_string(keep + 1) + ".." + std::to_string(w->seq) +
                        " are missing"),
              std::string::npos)
        << text;
  }
  for (std::size_t i = 0; i + 1 < seals_.size(); ++i) {
    TempDir copy;
    auto cut = cut_copy(copy, seals_[i].seq);
    auto with = verify(cut, {anchor_of(*w)});
    ASSERT_TRUE(with.problem) << describe(with);
    std::string missing = i + 2 == 3 ? "including seal 3" : "including seals 2..3";
    EXPECT_NE(describe(with).find(missing), std::string::npos) << describe(with);
    // Without the witness the cut trail is intact and sealed; verify says it cannot tell.
    auto without = verify(cut, {});
    EXPECT_TRUE(without.ok()) << describe(without);
    EXPECT_NE(describe(without).find("truncation back to an earlier seal cannot be ruled out"),
              std::string::npos)
        << describe(without);
    // A head recorded in a ticket works like the witness.
    auto head = parse_expected_head(std::to_string(seals_.back().seq) + ":" + seals_.back().hash);
    ASSERT_TRUE(head);
    EXPECT_EQ(verify(cut, {*head}).problem->kind, ProblemKind::kTruncated);
    auto bare = parse_expected_head(seals_.back().hash.substr(0, 20));
    ASSERT_TRUE(bare);
    EXPECT_EQ(verify(cut, {*bare}).problem->kind, ProblemKind::kTruncated);
  }
  EXPECT_FALSE(parse_expected_head("12:xyz"));
  EXPECT_FALSE(parse_expected_head("abc"));
}

// An attacker who holds the seal key (but not the witness) deletes run-b, re-chains what
// follows and re-signs the later seals with renumbered counters: the trail alone verifies;
// the witness does not match it.
TEST_F(ThreeRuns, RewriteWithTheKeyIsCaughtOnlyByTheWitness) {
  auto w = witness();
  ASSERT_TRUE(w);
  auto store = open_store(db());
  auto all = store->query({});
  ASSERT_TRUE(all);
  TempDir copy;
  {
    // Rebuild a fresh trail from run-a and run-c with the attacker's (stolen) key.
    auto forged = open_store(copy / "audit.db");
    forged->set_witnesses({file_witness(copy / "attackers.witness")});
    for (const auto& e : *all) {
      if (e.run_id == "run-b" || e.kind == EventKind::kSealed) {
        if (e.kind == EventKind::kSealed && e.run_id != "run-b") {
          ASSERT_TRUE(forged->seal(e.run_id, *key_));
        }
        continue;
      }
      Event copy_of = e;
      ASSERT_TRUE(forged->append(copy_of));
    }
  }
  auto alone = verify(copy / "audit.db", {});
  EXPECT_TRUE(alone.ok()) << describe(alone);
  EXPECT_EQ(alone.seals, 2);
  auto anchored = verify(copy / "audit.db", {anchor_of(*w)});
  ASSERT_TRUE(anchored.problem) << describe(anchored);
  EXPECT_TRUE(anchored.problem->kind == ProblemKind::kTruncated ||
              anchored.problem->kind == ProblemKind::kAnchorMismatch)
      << describe(anchored);
}

// A v2 seal event signed by `key`, as EventStore::seal writes it, with any counter and link.
Event forged_seal(const SealKey& key, const Event& head, std::int64_t counter,
                  const std::string& prev_seal_hash) {
  Event e = make(EventKind::kSealed, head.run_id);
  e.seq = head.seq + 1;
  e.time_ms = head.time_ms + 1;
  e.operator_user = "u";
  e.operator_host = "h";
  e.tool_version = "t";
  auto signature =
      key.sign(seal_message(head.run_id, counter, head.seq, head.hash, prev_seal_hash));
  e.payload = std::string(R"({"format":"tcplan-audit-seal-v2","algorithm":"Ed25519","counter":)") +
              std::to_string(counter) + R"(,"head_seq":)" + std::to_string(head.seq) +
              R"(,"head_hash":")" + head.hash + R"(","prev_seal_seq":0,"prev_seal_hash":")" +
              prev_seal_hash + R"(","public_key":")" + key.public_key_hex() +
              R"(","key_fingerprint":")" + key.fingerprint() + R"(","signature":")" + *signature +
              R"("})";
  e.prev_hash = head.hash;
  e.hash = chain_hash(e.prev_hash, e);
  return e;
}

Event plain(const Event& before, const std::string& run) {
  Event e = make(EventKind::kRunStarted, run);
  e.seq = before.seq + 1;
  e.time_ms = before.time_ms + 1;
  e.operator_user = "u";
  e.operator_host = "h";
  e.tool_version = "t";
  e.prev_hash = before.hash;
  e.hash = chain_hash(e.prev_hash, e);
  return e;
}

// Seals must count up by one and link to the seal before them, even when each is validly
// signed: a seal skipped or re-linked is invalid on its own, whatever the witness.
TEST_F(ThreeRuns, SealCounterAndLinkAreCheckedWithoutAWitness) {
  Event genesis;
  genesis.seq = 0;
  genesis.hash = std::string(kGenesisHash);
  Event first = plain(genesis, "r1");
  Event seal1 = forged_seal(*key_, first, 1, std::string(kGenesisHash));
  Event second = plain(seal1, "r2");
  struct Case {
    std::int64_t counter;
    std::string prev_seal;
    const char* expect;
  };
  const Case cases[] = {
      {2, seal1.hash, nullptr},
      {3, seal1.hash, "seal counter 3 follows seal 1"},
      {1, seal1.hash, "seal counter 1 follows seal 1"},
      {2, std::string(kGenesisHash), "links to previous seal"},
  };
  for (const auto& c : cases) {
    ChainVerifier v({});
    Event seal2 = forged_seal(*key_, second, c.counter, c.prev_seal);
    for (const Event* e : {&first, &seal1, &second, &seal2})
      v.feed(*e);
    auto r = v.finish();
    if (c.expect == nullptr) {
      EXPECT_TRUE(r.ok()) << describe(r);
      EXPECT_EQ(r.last_seal_counter, 2);
      continue;
    }
    ASSERT_TRUE(r.problem) << c.expect;
    EXPECT_EQ(r.problem->kind, ProblemKind::kSealInvalid);
    EXPECT_EQ(r.problem->seq, seal2.seq);
    EXPECT_NE(r.problem->detail.find(c.expect), std::string::npos) << r.problem->detail;
  }
}

// A new trail under the same name beside the same key (or this one cut back and sealed
// again): the sealer finds the witness ahead of the trail and refuses; the witness stays.
TEST_F(ThreeRuns, SealerRefusesToSealOverACutTrail) {
  TempDir copy;
  auto cut = cut_copy(copy, seals_[0].seq);
  auto store = open_store(cut);  // same file name: its default witness is this trail's
  ASSERT_TRUE(store->append(make(EventKind::kRunStarted, "run-d")));
  auto refused = store->seal("run-d", *key_);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("refusing to seal"), std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("the trail ends at event"), std::string::npos)
      << refused.error().message;
  auto w = witness();
  ASSERT_TRUE(w);
  EXPECT_EQ(w->counter, 3) << "the witness did not move";
  // With a witness of its own, the new trail seals.
  store->set_witnesses({file_witness(copy / "own.witness")});
  EXPECT_TRUE(store->seal("run-d", *key_));
}

// Through the binary: exit 1 naming what is missing with the witness, exit 0 with the plain
// warning without it, and a named witness that is missing is an error.
TEST_F(ThreeRuns, VerifyCommandWithAndWithoutTheWitness) {
  RawDb(db()).exec("DELETE FROM events WHERE seq > " + std::to_string(seals_[1].seq));
  auto with = run_tcplan(
      {"--audit-db", db().string(), "audit", "verify", "--audit-key", (dir_ / "key.pem").string()});
  EXPECT_EQ(with.exit_code, 1) << with.out << with.err;
  EXPECT_NE(with.out.find("TRUNCATED: the trail ends at event " + std::to_string(seals_[1].seq)),
            std::string::npos)
      << with.out;
  EXPECT_NE(with.out.find("including seal 3"), std::string::npos) << with.out;
  std::filesystem::rename(witness_path(), dir_ / "elsewhere.witness");
  auto without = run_tcplan(
      {"--audit-db", db().string(), "audit", "verify", "--audit-key", (dir_ / "key.pem").string()});
  EXPECT_EQ(without.exit_code, 0) << without.out << without.err;
  EXPECT_NE(without.out.find("cannot be ruled out"), std::string::npos) << without.out;
  auto named = run_tcplan({"--audit-db", db().string(), "--audit-witness",
                           (dir_ / "elsewhere.witness").string(), "audit", "verify"});
  EXPECT_EQ(named.exit_code, 1) << named.out;
  auto gone = run_tcplan({"--audit-db", db().string(), "--audit-witness",
                          (dir_ / "none.witness").string(), "audit", "verify"});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_NE(gone.err.find("does not exist"), std::string::npos) << gone.err;
  auto ticket = run_tcplan({"--audit-db", db().string(), "audit", "verify", "--expect-head",
                            std::to_string(seals_[2].seq) + ":" + seals_[2].hash});
  EXPECT_EQ(ticket.exit_code, 1) << ticket.out;
  EXPECT_NE(ticket.out.find("TRUNCATED"), std::string::npos) << ticket.out;
  EXPECT_EQ(
      run_tcplan({"--audit-db", db().string(), "audit", "verify", "--expect-head", "zz"}).exit_code,
      1);
}

}  // namespace witness_test
}  // namespace tcplan::audit::testing
