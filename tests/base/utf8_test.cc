// base/utf8.h: which byte sequences are UTF-8, as a table, and the repair the emulator applies.
#include "base/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace tcplan::base {
namespace utf8_test {

struct Case {
  const char* name;
  std::string bytes;
  std::size_t first_invalid;  // npos when valid
};

TEST(Utf8, FindsTheFirstInvalidByte) {
  const std::size_t ok = std::string::npos;
  const Case cases[] = {
      {"empty", "", ok},
      {"ascii", "plain", ok},
      {"two bytes", "\xc2\xa9", ok},
      {"three bytes", "\xe5\xb9\xbf\xe5\xb7\x9e", ok},
      {"four bytes", "\xf0\x9f\x98\x80", ok},
      {"largest code point", "\xf4\x8f\xbf\xbf", ok},
      {"stray continuation", "a\x80", 1},
      {"invalid lead 0xff", "ab\xff", 2},
      {"overlong two bytes", "\xc0\xaf", 0},
      {"overlong three bytes", "\xe0\x80\xaf", 0},
      {"surrogate", "x\xed\xa0\x80", 1},
      {"past U+10FFFF", "\xf4\x90\x80\x80", 0},
      {"truncated at end", "\xe2\x82", 0},
      {"truncated by ascii", "\xe2\x82z", 0},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(find_invalid_utf8(c.bytes), c.first_invalid) << c.name;
    if (c.first_invalid == ok) {
      EXPECT_EQ(valid_utf8(c.bytes), c.bytes) << c.name;
    }
  }
}

TEST(Utf8, RepairReplacesEachBadByteAndKeepsTheRest) {
  EXPECT_EQ(valid_utf8("a\xff"
                       "b"),
            "a\xef\xbf\xbd"
            "b");
  EXPECT_EQ(valid_utf8("\xe2\x82"), "\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(valid_utf8("\xc2\xa9\x80"), "\xc2\xa9\xef\xbf\xbd");
  EXPECT_EQ(find_invalid_utf8(valid_utf8("\xed\xa0\x80\xc0\xaf\xf5")), std::string::npos);
}

}  // namespace utf8_test
}  // namespace tcplan::base
