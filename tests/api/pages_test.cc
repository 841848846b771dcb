// The one paging rule (api/pages.h), table by table: which requests the cursor asks for, when
// a list ends, and which answers fail the read rather than pass a partial list. Also the
// instance-type reading (api/node_types.h) the planner's prices and the emulator share.
#include "api/pages.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/node_types.h"

namespace tcplan::api {
namespace pages_test {

namespace json = boost::json;

// A server holding `total` records, answering `page_size` at most, optionally with TotalCnt.
json::object page(std::int64_t total, const json::object& request, bool with_total = true) {
  const std::int64_t offset = request.at("Offset").as_int64();
  const std::int64_t limit = request.at("Limit").as_int64();
  json::array list;
  for (std::int64_t i = offset; i < total && i < offset + limit; ++i)
    list.push_back(i);
  json::object r{{"NodeList", std::move(list)}};
  if (with_total) r["TotalCnt"] = total;
  return r;
}

struct Case {
  std::int64_t total;
  bool with_total;
  std::int64_t pages;
};

TEST(PageCursor, ReadsEveryRecordOnceInOrder) {
  for (const Case c : {Case{0, true, 1}, Case{1, true, 1}, Case{99, true, 1}, Case{100, true, 1},
                       Case{101, true, 2}, Case{250, true, 3}, Case{250, false, 3},
                       Case{300, false, 4}, Case{300, true, 3}}) {
    SCOPED_TRACE(std::to_string(c.total) + (c.with_total ? " with TotalCnt" : " without"));
    PageCursor cursor(json::object{{"InstanceId", "emr-x"}}, "NodeList");
    while (!cursor.done()) {
      json::object request = cursor.next_request();
      EXPECT_EQ(request.at("InstanceId"), "emr-x");
      EXPECT_EQ(request.at("Limit").as_int64(), kMaxPageSize);
      ASSERT_TRUE(cursor.take(page(c.total, request, c.with_total)).ok());
    }
    EXPECT_EQ(cursor.pages(), c.pages);
    ASSERT_EQ(static_cast<std::int64_t>(cursor.items().size()), c.total);
    for (std::int64_t i = 0; i < c.total; ++i)
      EXPECT_EQ(cursor.items()[i].as_int64(), i);
  }
}

TEST(PageCursor, AnAnswerWithoutTheListFails) {
  PageCursor cursor({}, "NodeList");
  EXPECT_FALSE(cursor.take(json::object{{"ClusterList", json::array{}}}).ok());
  PageCursor wrong({}, "NodeList");
  EXPECT_FALSE(wrong.take(json::object{{"NodeList", "x"}, {"TotalCnt", 1}}).ok());
}

TEST(PageCursor, AServerIgnoringOffsetDoesNotLoopForever) {
  PageCursor cursor({}, "NodeList");
  json::array full;
  for (int i = 0; i < 100; ++i)
    full.push_back(i);
  bool ok = true;
  while (ok && !cursor.done())
    ok = cursor.take(json::object{{"NodeList", full}}).ok();
  EXPECT_FALSE(ok) << "a list that never ends must fail the read";
}

TEST(NodeTypes, InstanceTypesReadAsFamilyCpuAndMemory) {
  struct T {
    const char* type;
    std::optional<InstanceSize> want;
  };
  for (const T& t :
       {T{"S5.SMALL1", InstanceSize{"S5", 1, 1}}, T{"S5.MEDIUM4", InstanceSize{"S5", 2, 4}},
        T{"S5.LARGE8", InstanceSize{"S5", 4, 8}}, T{"S5.2XLARGE16", InstanceSize{"S5", 8, 16}},
        T{"SA2.8XLARGE64", InstanceSize{"SA2", 32, 64}}, T{"S5", std::nullopt},
        T{"S5.LARGE", std::nullopt}, T{"S5.HUGE8", std::nullopt}, T{"S5.XXLARGE16", std::nullopt},
        T{".LARGE8", std::nullopt}}) {
    SCOPED_TRACE(t.type);
    auto got = parse_instance_type(t.type);
    ASSERT_EQ(got.has_value(), t.want.has_value());
    if (!got) continue;
    EXPECT_EQ(got->family, t.want->family);
    EXPECT_EQ(got->cpu, t.want->cpu);
    EXPECT_EQ(got->mem_gb, t.want->mem_gb);
  }
  EXPECT_EQ(storage_type_of("CLOUD_SSD"), 4);
  EXPECT_EQ(storage_type_of("CLOUD_PREMIUM"), 5);
  EXPECT_EQ(storage_type_of("CLOUD_HSSD"), 6);
}

}  // namespace pages_test
}  // namespace tcplan::api
