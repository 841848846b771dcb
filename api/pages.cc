// The paging rule (pages.h).
#include "api/pages.h"

#include <boost/json/value.hpp>

namespace tcplan::api {

namespace json = boost::json;

namespace {

// Far beyond any real list (a million records) and small enough to end a runaway loop.
constexpr std::int64_t kMaxPages = 10'000;

}  // namespace

PageCursor::PageCursor(json::object params, std::string list_field, std::int64_t page_size)
    : params_(std::move(params)),
      list_field_(std::move(list_field)),
      page_size_(page_size < 1 ? 1 : (page_size > kMaxPageSize ? kMaxPageSize : page_size)) {}

json::object PageCursor::next_request() const {
  json::object request = params_;
  request["Offset"] = offset_;
  request["Limit"] = page_size_;
  return request;
}

base::VoidResult PageCursor::take(const json::object& response) {
  const json::value* list = response.if_contains(list_field_);
  // A page past the end may come back with the list absent or null: an empty page.
  if (list != nullptr && !list->is_array() && !list->is_null()) {
    return base::Error{"the answer's " + list_field_ + " is not a list"};
  }
  if (list == nullptr && response.if_contains("TotalCnt") == nullptr) {
    return base::Error{"the answer has no " + list_field_};
  }
  std::int64_t page = 0;
  if (list != nullptr && list->is_array()) {
    for (const auto& v : list->as_array()) {
      items_.push_back(v);
      ++page;
    }
  }
  if (const json::value* t = response.if_contains("TotalCnt"); t && t->is_number()) {
    total_ = t->to_number<std::int64_t>();
  }
  ++pages_;
  offset_ += page_size_;
  if (page < page_size_ || (total_ >= 0 && offset_ >= total_)) {
    done_ = true;
    return {};
  }
  if (pages_ >= kMaxPages) {
    return base::Error{"the " + list_field_ + " list did not end after " +
                       std::to_string(kMaxPages) + " pages"};
  }
  return {};
}

}  // namespace tcplan::api
