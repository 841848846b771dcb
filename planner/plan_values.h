// What a step's values will be, as far as validation can know them: references to vars and
// literal for_each items are replaced by their values, references to step outputs by a
// placeholder of the output's documented type, and anything known only at run time
// (${env.X}, ${run.id}) by the "unknown" marker, which typed checks skip.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "api/catalog.h"
#include "planner/plan.h"
#include "planner/reference.h"

namespace tcplan::planner {

// The marker string for a value known only at run time; never equal to a real value.
inline constexpr std::string_view kUnknownValue = "\x01(known after apply)";
bool is_unknown(const boost::json::value& v);

// A scalar as text: a string's own characters, any other value as JSON.
std::string scalar_text(const boost::json::value& v);

class PlanValues {
 public:
  PlanValues(const Plan& plan, const api::Catalog& catalog) : plan_(plan), catalog_(catalog) {}

  // `v` with every reference replaced, as step `s` will see it.
  boost::json::value substitute(const boost::json::value& v, const Step& s) const;
  // The value of one reference inside step `s`.
  boost::json::value value_of(const Reference& r, const Step& s) const;

 private:
  boost::json::value first_item(const Step& s) const;

  const Plan& plan_;
  const api::Catalog& catalog_;
};

}  // namespace tcplan::planner
