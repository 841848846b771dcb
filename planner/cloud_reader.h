// Read-only access to the cloud for the dry run (Describe* and InquiryPrice* calls only), and
// its one paginating read: every page of a list, by the paging rule of api/pages.h. The
// preview, the fleet queries and the duplicate-name check read lists only through it.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <string>

#include "api/api_error.h"
#include "base/result.h"

namespace tcplan::planner {

class CloudReader {
 public:
  virtual ~CloudReader() = default;
  // The Response object (without the wrapper) or the API error.
  virtual base::Result<boost::json::object, api::ApiError> call(
      const std::string& service, const std::string& action, const std::string& version,
      const std::string& region, const boost::json::object& params) = 0;
};

struct ListRead {
  std::string service, action, version, region;
  boost::json::object params;  // without Offset/Limit
  std::string list_field;      // "ClusterList", "NodeList", ...
};

// Every element of every page, in order; the first failed page fails the whole read (a partial
// list must never pass for the whole one).
base::Result<boost::json::array, api::ApiError> read_all_pages(CloudReader& reader,
                                                               const ListRead& read);

}  // namespace tcplan::planner
