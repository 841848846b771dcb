// The canonical bytes grammar of chain.h, checked byte for byte, and hashing properties.
#include "audit/chain.h"

#include <gtest/gtest.h>

#include "api/hash.h"
#include "base/hex.h"

namespace tcplan::audit {
namespace chain_test {

Event sample() {
  Event e;
  e.seq = 3;
  e.time_ms = 1714564800123;
  e.kind = EventKind::kResponseReceived;
  e.run_id = "r1";
  e.step_id = "create";
  e.attempt = 2;
  e.service = "emr";
  e.action = "CreateInstance";
  e.http_status = 200;
  e.latency_us = -1;
  e.payload = "{\"a\":\"é\"}";
  return e;
}

TEST(Chain, CanonicalBytesFollowTheGrammar) {
  std::string expected =
      "tcplan-audit-v1\n"
      "1:3\n13:1714564800123\n17:response_received\n2:r1\n6:create\n0:\n1:2\n3:emr\n"
      "14:CreateInstance\n0:\n0:\n0:\n0:\n0:\n0:\n3:200\n2:-1\n0:\n0:\n0:\n10:{\"a\":\"é\"}\n";
  EXPECT_EQ(canonical_bytes(sample()), expected);
}

TEST(Chain, HashIsSha256OfRawPrevAndCanonicalBytes) {
  Event e = sample();
  std::string prev = api::sha256_hex("previous");
  std::string input = *base::from_hex(prev) + canonical_bytes(e);
  EXPECT_EQ(chain_hash(prev, e), api::sha256_hex(input));
  std::string genesis_input = std::string(32, '\0') + canonical_bytes(e);
  EXPECT_EQ(chain_hash(kGenesisHash, e), api::sha256_hex(genesis_input));
}

TEST(Chain, MovingBytesBetweenFieldsChangesTheHash) {
  Event a = sample(), b = sample();
  a.run_id = "r1c";
  a.step_id = "reate";
  b.run_id = "r1";
  b.step_id = "create";
  EXPECT_NE(chain_hash(kGenesisHash, a), chain_hash(kGenesisHash, b));
}

TEST(Chain, MalformedPrevHashNeverMatchesTheWellFormedOne) {
  Event e = sample();
  std::string prev = api::sha256_hex("x");
  std::string upper = prev;
  for (char& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_NE(chain_hash(prev, e), chain_hash(upper, e));
}

TEST(Chain, KindNamesRoundTrip) {
  for (int k = 0; k <= static_cast<int>(EventKind::kLockReleased); ++k) {
    auto kind = static_cast<EventKind>(k);
    auto back = kind_from_name(kind_name(kind));
    ASSERT_TRUE(back) << k;
    EXPECT_EQ(*back, kind);
  }
  EXPECT_FALSE(kind_from_name("request_senu"));
}

}  // namespace chain_test
}  // namespace tcplan::audit
