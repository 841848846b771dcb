// The state of one apply shared by the RunDriver's files (run_driver.cc, run_checks.cc).
// Internal to the executor.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "executor/approvals.h"
#include "executor/journal.h"
#include "executor/lease.h"
#include "executor/resume.h"
#include "executor/run_driver.h"

namespace tcplan::executor {

struct RunDriver::Run {
  std::string id;
  std::optional<ResumeState> resumed;
  std::unique_ptr<Journal> journal;
  std::unique_ptr<LeaseKeeper> lease;  // after journal: stopped (its thread joined) first
  SummaryCosts costs;
  std::vector<ApprovalRecord> approvals;  // the signed approvals that count, recorded at approval
};

}  // namespace tcplan::executor
