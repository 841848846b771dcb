// Paging through a Describe* list (DescribeInstances, DescribeInstancesList,
// DescribeClusterNodes): Offset is a record offset, Limit at most 100, and a short page or
// TotalCnt reached ends the list (docs/cloud-api.md, "Actions tcplan uses"). The cursor is
// pure — the caller sends next_request() and hands each answer back — so the one paging rule
// serves the dry run's blocking reads and the runner's coroutines alike.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <string>

#include "base/result.h"

namespace tcplan::api {

inline constexpr std::int64_t kMaxPageSize = 100;

class PageCursor {
 public:
  // `params`: the request without Offset/Limit; `list_field`: the array each page holds
  // ("ClusterList", "NodeList", "InstancesList").
  PageCursor(boost::json::object params, std::string list_field,
             std::int64_t page_size = kMaxPageSize);

  // The request for the next page: the params with Offset and Limit.
  boost::json::object next_request() const;
  // Takes the Response of the page last requested. An answer without the list, or a list
  // that never ends (more pages than TotalCnt allows, or a server ignoring Offset), is an
  // error: a partial list must not pass for the whole one.
  base::VoidResult take(const boost::json::object& response);
  bool done() const { return done_; }

  // Every element of every page taken so far, in order.
  const boost::json::array& items() const { return items_; }
  boost::json::array take_items() { return std::move(items_); }
  std::int64_t pages() const { return pages_; }
  // TotalCnt as the last page said (-1 when no page said).
  std::int64_t total() const { return total_; }

 private:
  boost::json::object params_;
  std::string list_field_;
  std::int64_t page_size_;
  std::int64_t offset_ = 0;
  std::int64_t pages_ = 0;
  std::int64_t total_ = -1;
  bool done_ = false;
  boost::json::array items_;
};

}  // namespace tcplan::api
