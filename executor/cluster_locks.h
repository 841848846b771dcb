// Which cluster locks a run takes: one `cluster:<id>` for every existing EMR cluster the plan
// will change (ids written in the plan or its vars, or chosen by a for_each query: `fleets`).
// Clusters the plan creates itself need no lock: nobody else knows them yet.
#pragma once

#include <string>
#include <vector>

#include "planner/fleet_query.h"
#include "planner/plan.h"

namespace tcplan::executor {

std::vector<std::string> cluster_locks(const planner::Plan& plan, const std::string& run_id,
                                       const planner::Fleets* fleets = nullptr);

}  // namespace tcplan::executor
