// `tcplan apply SAVED`: a saved plan (`tcplan plan --out`) binds an approval to one plan file
// and one set of prices. Before applying it, the plan is previewed again and compared: a
// changed plan file, a changed resolved parameter or a price that moved by more than the
// tolerance refuses the apply, naming the step, the parameter and old -> new.
#pragma once

#include <boost/json/object.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"

namespace tcplan::executor {

struct SavedPlan {
  std::string plan_file;
  std::string plan_sha256;
  std::string fetched_at;
  boost::json::object preview;  // the preview JSON as saved (schema tcplan.preview/1)
};

// Whether `text` is a saved plan (a JSON object naming tcplan.saved-plan/); when it is not,
// the caller treats the file as a plan.
bool looks_like_saved_plan(const std::string& text);
base::Result<SavedPlan> parse_saved_plan(const std::string& text);

// Every difference between the saved preview and a fresh one: parameters by step and JSON path,
// steps added or removed, prices that moved by more than `tolerance` (0.05 = 5%).
std::vector<std::string> compare_previews(const boost::json::object& saved,
                                          const boost::json::object& fresh, double tolerance);

}  // namespace tcplan::executor
