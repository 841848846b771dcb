// Approvals (approvals.h).
#include "executor/approvals.h"

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <set>
#include <sstream>

namespace tcplan::executor {

namespace json = boost::json;

namespace {

std::string text_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string who(const ApprovalRecord& a) {
  return (a.file.empty() ? std::string("approval") : a.file) + " (by " + a.approver + ", key " +
         a.key_fingerprint + ")";
}

}  // namespace

std::string approval_message(const ApprovalRecord& a) {
  std::string m = "tcplan-approval-v1\n";
  for (const std::string* f : {&a.plan_name, &a.plan_digest, &a.price_digest, &a.approver,
                               &a.ticket, &a.approved_at, &a.expires_at, &a.key_fingerprint}) {
    m += *f;
    m += '\n';
  }
  return m;
}

base::Result<ApprovalRecord> make_approval(const SavedPlan& saved, const audit::SealKey& key,
                                           const std::string& approver, const std::string& ticket,
                                           base::SysTime now, base::SysTime expires) {
  if (approver.empty()) return base::Error{"the approver's name is empty"};
  if (expires <= now) return base::Error{"the approval would expire before it is made"};
  ApprovalRecord a;
  a.approver = approver;
  a.ticket = ticket;
  a.public_key = key.public_key_hex();
  a.key_fingerprint = key.fingerprint();
  a.approved_at = base::format_utc(now);
  a.expires_at = base::format_utc(expires);
  const json::value* plan = saved.preview.if_contains("plan");
  if (plan && plan->is_object()) a.plan_name = text_at(plan->as_object(), "name");
  const SavedPlanDigests d = saved_plan_digests(saved);
  a.plan_digest = d.plan;
  a.price_digest = d.prices;
  auto signature = key.sign(approval_message(a));
  if (!signature) return signature.error();
  a.signature = *signature;
  return a;
}

json::object approval_json(const ApprovalRecord& a) {
  return {{"schema", kApprovalSchema},
          {"plan", a.plan_name},
          {"plan_digest", a.plan_digest},
          {"price_digest", a.price_digest},
          {"approver", a.approver},
          {"ticket", a.ticket},
          {"approved_at", a.approved_at},
          {"expires_at", a.expires_at},
          {"algorithm", "Ed25519"},
          {"public_key", a.public_key},
          {"key_fingerprint", a.key_fingerprint},
          {"signature", a.signature}};
}

base::Result<ApprovalRecord> parse_approval(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return base::Error{"not JSON"};
  const json::object& o = v.as_object();
  if (text_at(o, "schema") != kApprovalSchema) {
    return base::Error{"not an approval (schema '" + text_at(o, "schema") + "', expected " +
                       std::string(kApprovalSchema) + ")"};
  }
  ApprovalRecord a;
  a.plan_name = text_at(o, "plan");
  a.plan_digest = text_at(o, "plan_digest");
  a.price_digest = text_at(o, "price_digest");
  a.approver = text_at(o, "approver");
  a.ticket = text_at(o, "ticket");
  a.approved_at = text_at(o, "approved_at");
  a.expires_at = text_at(o, "expires_at");
  a.public_key = text_at(o, "public_key");
  a.key_fingerprint = text_at(o, "key_fingerprint");
  a.signature = text_at(o, "signature");
  for (const std::string* f :
       {&a.plan_digest, &a.price_digest, &a.approver, &a.expires_at, &a.public_key, &a.signature}) {
    if (f->empty()) {
      return base::Error{
          "incomplete approval (plan_digest, price_digest, approver, expires_at, "
          "public_key and signature are required)"};
    }
  }
  return a;
}

base::Result<std::vector<ApprovalRecord>> read_approvals(const std::filesystem::path& dir,
                                                         std::vector<std::string>* unusable) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return base::Error{"approvals directory " + dir.string() + " does not exist"};
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry);
  }
  if (ec) return base::Error{"reading " + dir.string() + ": " + ec.message()};
  std::sort(files.begin(), files.end());
  std::vector<ApprovalRecord> out;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    auto a = parse_approval(text.str());
    if (!a) {
      if (unusable) unusable->push_back(f.string() + ": " + a.error().message);
      continue;
    }
    a->file = f.string();
    out.push_back(std::move(*a));
  }
  return out;
}

ApprovalVerdict check_approvals(const ApprovalRequirement& requirement,
                                const std::vector<ApprovalRecord>& approvals,
                                const SavedPlanDigests& digests,
                                const std::string& applier_fingerprint, base::SysTime now) {
  ApprovalVerdict v;
  std::set<std::string> keys;
  for (const ApprovalRecord& a : approvals) {
    std::string why;
    const auto expires = base::parse_rfc3339(a.expires_at);
    if (!audit::verify_signature(a.public_key, approval_message(a), a.signature) ||
        audit::key_fingerprint(a.public_key) != a.key_fingerprint) {
      why = "its signature does not verify (the file was altered, or not signed by its key)";
    } else if (a.key_fingerprint == applier_fingerprint) {
      why = "it is signed with the applier's own key: an approval must come from someone else";
    } else if (a.plan_digest != digests.plan) {
      why = "it approves a different plan: the saved plan changed after approval";
    } else if (a.price_digest != digests.prices) {
      why = "it approves other prices: the saved plan's prices changed after approval";
    } else if (!expires || *expires <= now) {
      why = "it expired at " + a.expires_at;
    } else if (!requirement.approvers.empty() &&
               std::find(requirement.approvers.begin(), requirement.approvers.end(),
                         a.key_fingerprint) == requirement.approvers.end()) {
      why = "key " + a.key_fingerprint + " is not among the plan's [approval] approvers";
    } else if (keys.count(a.key_fingerprint)) {
      why = "another approval by the same key already counts";
    }
    if (!why.empty()) {
      v.rejected.push_back(who(a) + ": " + why);
      continue;
    }
    keys.insert(a.key_fingerprint);
    v.valid.push_back(a);
  }
  const auto needed = static_cast<std::size_t>(std::max<std::int64_t>(requirement.required, 0));
  v.satisfied = v.valid.size() >= needed;
  if (!v.satisfied) {
    v.reason = std::to_string(needed) + " approval" + (needed == 1 ? "" : "s") +
               " by someone else required, " + std::to_string(v.valid.size()) + " valid";
    if (approvals.empty()) v.reason += " (none given)";
    for (const auto& r : v.rejected)
      v.reason += "\n  " + r;
  }
  return v;
}

}  // namespace tcplan::executor
