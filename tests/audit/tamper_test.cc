// Tampering and damage are detected by verify with the right seq: a flipped byte in any
// column, a deleted row, a cut-off tail, a re-hashed chain, a seal by another key; while a
// torn tail (request with no response) is reported as in flight, not as tampering.
#include <gtest/gtest.h>

#include "audit/chain.h"
#include "audit/verify.h"
#include "tests/audit/fixture.h"

namespace tcplan::audit::testing {
namespace tamper_test {

using tcplan::testing::TempDir;

class TamperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto k = SealKey::load_or_create(dir_ / "key.pem");
    ASSERT_TRUE(k) << k.error().message;
    key_.emplace(*k);
    auto store = open_store(db());
    write_run(*store, "run-a", *key_);
    write_run(*store, "run-b", *key_);
    auto last = store->last_seq();
    ASSERT_TRUE(last);
    last_ = *last;
  }
  std::filesystem::path db() const { return dir_ / "audit.db"; }
  VerifyReport verify(const std::string& trusted = "") {
    auto store = open_store(db());
    VerifyOptions o;
    o.trusted_public_key = trusted;
    auto r = verify_store(*store, o);
    EXPECT_TRUE(r) << r.error().message;
    return *r;
  }

  TempDir dir_;
  std::optional<SealKey> key_;
  std::int64_t last_ = 0;
};

TEST_F(TamperTest, UntouchedTrailIsIntactAndSealed) {
  auto r = verify(key_->public_key_hex());
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.events, last_);
  EXPECT_EQ(r.seals, 2);
  EXPECT_TRUE(r.in_flight.empty());
}

TEST_F(TamperTest, FlippedByteInAnyColumnNamesThatSeq) {
  const std::vector<std::string> text_columns = {
      "kind",          "run_id",        "step_id",      "item",       "service",      "action",
      "version",       "region",        "endpoint",     "request_id", "client_token", "error_code",
      "operator_user", "operator_host", "tool_version", "payload",    "prev_hash",    "hash"};
  const std::vector<std::string> int_columns = {"time_ms", "attempt", "http_status", "latency_us"};
  const std::int64_t victim = 7;  // run-a's second request_sent: every column is non-trivial
  auto flip_text = [&](const std::string& column) {
    RawDb raw(db());
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(raw.get(), ("SELECT " + column + " FROM events WHERE seq = ?").c_str(), -1,
                       &s, nullptr);
    sqlite3_bind_int64(s, 1, victim);
    ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
    std::string v(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)),
                  static_cast<size_t>(sqlite3_column_bytes(s, 0)));
    sqlite3_finalize(s);
    std::string original = v;
    if (v.empty()) {
      v = "x";
    } else {
      v.back() = static_cast<char>(v.back() ^ 0x01);
    }
    auto set = [&](const std::string& value) {
      raw.drop_triggers();
      sqlite3_prepare_v2(raw.get(), ("UPDATE events SET " + column + " = ? WHERE seq = ?").c_str(),
                         -1, &s, nullptr);
      sqlite3_bind_text(s, 1, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
      sqlite3_bind_int64(s, 2, victim);
      ASSERT_EQ(sqlite3_step(s), SQLITE_DONE);
      sqlite3_finalize(s);
    };
    set(v);
    auto r = verify();
    ASSERT_TRUE(r.problem) << column << ": " << describe(r);
    EXPECT_EQ(r.problem->seq, victim) << column << ": " << describe(r);
    EXPECT_FALSE(r.ok());
    ProblemKind expected =
        column == "prev_hash" ? ProblemKind::kPrevHashMismatch : ProblemKind::kHashMismatch;
    EXPECT_EQ(r.problem->kind, expected) << column;
    set(original);
    EXPECT_TRUE(verify().ok()) << column << " restored";
  };
  for (const auto& c : text_columns)
    flip_text(c);
  for (const auto& c : int_columns) {
    RawDb raw(db());
    raw.exec("UPDATE events SET " + c + " = " + c + " + 1 WHERE seq = " + std::to_string(victim));
    auto r = verify();
    ASSERT_TRUE(r.problem) << c;
    EXPECT_EQ(r.problem->seq, victim) << c;
    EXPECT_EQ(r.problem->kind, ProblemKind::kHashMismatch) << c;
    raw.exec("UPDATE events SET " + c + " = " + c + " - 1 WHERE seq = " + std::to_string(victim));
  }
  // seq itself: the row moves away, leaving a gap exactly where it was.
  RawDb raw(db());
  raw.exec("UPDATE events SET seq = seq + 1000 WHERE seq = " + std::to_string(victim));
  auto r = verify();
  ASSERT_TRUE(r.problem);
  EXPECT_EQ(r.problem->kind, ProblemKind::kSeqGap);
  EXPECT_EQ(r.problem->seq, victim);
}

TEST_F(TamperTest, DeletedMiddleRowIsAGapAtItsSeq) {
  RawDb(db()).exec("DELETE FROM events WHERE seq = 5");
  auto r = verify();
  ASSERT_TRUE(r.problem) << describe(r);
  EXPECT_EQ(r.problem->kind, ProblemKind::kSeqGap);
  EXPECT_EQ(r.problem->seq, 5);
  EXPECT_NE(describe(r).find("event 5"), std::string::npos) << describe(r);
}

TEST_F(TamperTest, TruncatedTailIncludingTheSealIsUnsealed) {
  const std::int64_t first_of_b = last_ / 2 + 1;  // two runs of equal length
  for (int cut = 1; cut <= 4; ++cut) {
    TempDir copy;
    std::filesystem::copy_file(db(), copy / "audit.db");
    RawDb(copy / "audit.db").exec("DELETE FROM events WHERE seq > " + std::to_string(last_ - cut));
    auto store = open_store(copy / "audit.db");
    auto r = verify_store(*store, {});
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->intact()) << describe(*r);
    ASSERT_TRUE(r->first_unsealed_seq) << "cut " << cut;
    EXPECT_EQ(*r->first_unsealed_seq, first_of_b);
    EXPECT_EQ(r->unsealed_run_id, "run-b");
    EXPECT_FALSE(r->ok());
    EXPECT_NE(describe(*r).find("after the last seal"), std::string::npos);
  }
}

// The attacker rewrites a row and recomputes every later hash: the chain is consistent
// again, but the seal signed the old head.
TEST_F(TamperTest, RehashedChainIsCaughtByTheSeal) {
  {
    auto store = open_store(db());
    auto events = store->query({});
    ASSERT_TRUE(events);
    RawDb raw(db());
    std::string prev(kGenesisHash);
    for (Event e : *events) {
      if (e.seq == 4) e.payload = R"({"forged":true})";
      e.prev_hash = prev;
      e.hash = chain_hash(prev, e);
      prev = e.hash;
      sqlite3_stmt* s = nullptr;
      sqlite3_prepare_v2(raw.get(),
                         "UPDATE events SET payload = ?, prev_hash = ?, hash = ? WHERE seq = ?", -1,
                         &s, nullptr);
      sqlite3_bind_text(s, 1, e.payload.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(s, 2, e.prev_hash.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(s, 3, e.hash.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(s, 4, e.seq);
      ASSERT_EQ(sqlite3_step(s), SQLITE_DONE);
      sqlite3_finalize(s);
    }
  }
  auto r = verify();
  ASSERT_TRUE(r.problem) << describe(r);
  EXPECT_EQ(r.problem->kind, ProblemKind::kSealInvalid);
  EXPECT_EQ(r.problem->seq, last_ / 2);  // run-a's seal, the first one after seq 4
}

TEST_F(TamperTest, SealByAnotherKeyFailsAgainstTheTrustedKey) {
  TempDir other;
  auto attacker = SealKey::load_or_create(other / "k.pem");
  ASSERT_TRUE(attacker);
  auto store = open_store(db());
  ASSERT_TRUE(store->append(make(EventKind::kRunStarted, "run-c")));
  auto seal = store->seal("run-c", *attacker);
  ASSERT_TRUE(seal);
  EXPECT_TRUE(verify().ok()) << "without a trusted key any valid signature passes";
  auto r = verify(key_->public_key_hex());
  ASSERT_TRUE(r.problem);
  EXPECT_EQ(r.problem->kind, ProblemKind::kSealInvalid);
  EXPECT_EQ(r.problem->seq, seal->seq);
}

TEST_F(TamperTest, ForgedSignatureIsInvalid) {
  RawDb raw(db());
  std::string seq = std::to_string(last_);
  raw.exec(
      "UPDATE events SET payload = replace(payload, '\"signature\":\"', "
      "'\"signature\":\"00') WHERE seq = " +
      seq);
  // Keep the row's own hash consistent so only the signature is wrong.
  auto store = open_store(db());
  auto events = store->query({});
  ASSERT_TRUE(events);
  Event e = events->back();
  std::string h = chain_hash(e.prev_hash, e);
  raw.exec("UPDATE events SET hash = '" + h + "' WHERE seq = " + seq);
  auto r = verify();
  ASSERT_TRUE(r.problem) << describe(r);
  EXPECT_EQ(r.problem->kind, ProblemKind::kSealInvalid);
  EXPECT_EQ(r.problem->seq, last_);
}

TEST_F(TamperTest, TornTailIsInFlightNotTampering) {
  auto store = open_store(db());
  ASSERT_TRUE(store->append(make(EventKind::kRunStarted, "run-c")));
  Event req = make(EventKind::kRequestSent, "run-c", "scale", R"({"body":{}})");
  req.action = "ScaleOutInstance";
  req.attempt = 1;
  auto sent = store->append(req);
  ASSERT_TRUE(sent);
  auto r = verify();
  EXPECT_TRUE(r.intact()) << describe(r);
  ASSERT_EQ(r.in_flight.size(), 1u);
  EXPECT_EQ(r.in_flight[0].seq, sent->seq);
  EXPECT_EQ(r.in_flight[0].step_id, "scale");
  std::string text = describe(r);
  EXPECT_NE(text.find("in flight (not tampering)"), std::string::npos) << text;
  EXPECT_EQ(text.find("NOT INTACT"), std::string::npos) << text;
}

TEST_F(TamperTest, TrailReadsAfterTheLastSealDoNotUnsealIt) {
  auto store = open_store(db());
  ASSERT_TRUE(store->append(make(EventKind::kTrailRead, "", "", R"({"command":"audit verify"})")));
  EXPECT_TRUE(verify().ok());
}

}  // namespace tamper_test
}  // namespace tcplan::audit::testing
