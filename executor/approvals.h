// Approvals by someone else. `tcplan approve SAVED --key KEY` signs a saved plan's two digests
// (saved_plan.h: the plan and its prices) with the approver's Ed25519 key (audit::SealKey),
// with their name, a ticket id and an expiry, as a detached JSON file; `tcplan apply SAVED
// --approvals DIR` counts the valid ones against the plan's [approval] policy. An approval
// does not count when its signature fails, when it is by the applier's own key (the key that
// seals the run), when it approved another plan or other prices (the saved plan changed after
// approval), when it expired, or when its key is not among [approval].approvers; apply names
// each reason. Deciding is a pure function (check_approvals), table-tested.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "audit/seal.h"
#include "base/result.h"
#include "base/time.h"
#include "executor/saved_plan.h"

namespace tcplan::executor {

inline constexpr std::string_view kApprovalSchema = "tcplan.approval/1";

struct ApprovalRecord {
  std::string approver;                 // a name ("alice"), not an identity: the key is
  std::string ticket;                   // the change ticket it was approved under; may be empty
  std::string key_fingerprint;          // audit::key_fingerprint(public_key)
  std::string public_key;               // Ed25519, 32 bytes hex
  std::string approved_at, expires_at;  // RFC 3339 UTC
  std::string plan_name;
  std::string plan_digest, price_digest;  // SavedPlanDigests
  std::string signature;                  // Ed25519 over approval_message(), hex
  std::string file;                       // where it was read from (not signed)
};

// The bytes an approval signs: every field above but the signature and the file.
std::string approval_message(const ApprovalRecord& a);

// Signs the saved plan's digests with `key`.
base::Result<ApprovalRecord> make_approval(const SavedPlan& saved, const audit::SealKey& key,
                                           const std::string& approver, const std::string& ticket,
                                           base::SysTime now, base::SysTime expires);

boost::json::object approval_json(const ApprovalRecord& a);
base::Result<ApprovalRecord> parse_approval(const std::string& text);

// Every *.json file of `dir` that is an approval, in name order. A file that is not one is
// named in `unusable` with why (an approval that cannot be read is not silently skipped).
base::Result<std::vector<ApprovalRecord>> read_approvals(const std::filesystem::path& dir,
                                                         std::vector<std::string>* unusable);

struct ApprovalRequirement {
  std::int64_t required = 0;           // distinct approver keys
  std::vector<std::string> approvers;  // allowed fingerprints; empty = any key
};

struct ApprovalVerdict {
  std::vector<ApprovalRecord> valid;  // those that count, one per key
  std::vector<std::string> rejected;  // "<file> (by <name>, key <fp>): <why>"
  bool satisfied = false;
  std::string reason;  // when not satisfied: how many were needed and found, and each rejection
};

ApprovalVerdict check_approvals(const ApprovalRequirement& requirement,
                                const std::vector<ApprovalRecord>& approvals,
                                const SavedPlanDigests& digests,
                                const std::string& applier_fingerprint, base::SysTime now);

}  // namespace tcplan::executor
