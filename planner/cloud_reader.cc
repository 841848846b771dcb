// The dry run's paginating read (cloud_reader.h).
#include "planner/cloud_reader.h"

#include "api/pages.h"

namespace tcplan::planner {

base::Result<boost::json::array, api::ApiError> read_all_pages(CloudReader& reader,
                                                               const ListRead& read) {
  api::PageCursor cursor(read.params, read.list_field);
  while (!cursor.done()) {
    auto page =
        reader.call(read.service, read.action, read.version, read.region, cursor.next_request());
    if (!page.ok()) return page.error();
    if (auto taken = cursor.take(*page); !taken.ok()) {
      api::ApiError e;
      e.code = api::kParseJson;
      e.message = taken.error().message;
      e.service = read.service;
      e.action = read.action;
      e.region = read.region;
      return e;
    }
  }
  return cursor.take_items();
}

}  // namespace tcplan::planner
