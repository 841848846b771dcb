// CVM (2017-03-12) and ECM (2019-07-19) TerminateInstances and DescribeInstances. A terminated
// instance shows TERMINATING for a minute of emulator time, then is no longer listed. CVM lists
// EMR nodes too (they are CVMs) but refuses to terminate them, as the cloud does.
#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "base/result.h"
#include "emulator/cloud/actions.h"
#include "emulator/cloud/ids.h"
#include "emulator/cloud/params.h"
#include "emulator/cloud/responses.h"
#include "emulator/cloud/times.h"

namespace tcplan::emulator::cloud {

namespace json = boost::json;

namespace {

// How long TERMINATING lasts is undocumented; a minute of emulator time is the emulator's
// choice (docs/emulator-model.md). TERMINATING is a documented CVM InstanceState (tccli, CVM
// api.json).
constexpr std::int64_t kTerminatingMs = 60'000;
// "The maximum number of instances per request is 100" (CVM API, TerminateInstances).
constexpr std::size_t kMaxIds = 100;

// RUNNING, TERMINATING, or empty once gone.
std::string state_at(const Instance& i, std::int64_t now) {
  if (i.terminate_at_ms < 0 || now < i.terminate_at_ms) return "RUNNING";
  if (now < i.terminate_at_ms + kTerminatingMs) return "TERMINATING";
  return {};
}

struct Listed {
  json::object object;
  std::string id, name, state, zone;
  std::vector<Tag> tags;
};

base::Result<bool, ApiReply> matches(const Listed& l, const json::array* filters) {
  if (!filters) return true;
  for (const auto& fv : *filters) {
    if (!fv.is_object()) continue;
    std::string name = str_or(fv.as_object(), "Name");
    auto values = strings(fv.as_object(), "Values");
    auto any = [&](const std::string& x) {
      return std::find(values.begin(), values.end(), x) != values.end();
    };
    bool hit = false;
    if (name == "instance-id") {
      hit = any(l.id);
    } else if (name == "instance-name") {
      hit = any(l.name);
    } else if (name == "instance-state") {
      hit = any(l.state);
    } else if (name == "zone") {
      hit = any(l.zone);
    } else if (name == "tag-key") {
      hit = std::any_of(l.tags.begin(), l.tags.end(), [&](const Tag& t) { return any(t.key); });
    } else if (name.rfind("tag:", 0) == 0) {
      std::string key = name.substr(4);
      hit = std::any_of(l.tags.begin(), l.tags.end(),
                        [&](const Tag& t) { return t.key == key && any(t.value); });
    } else {
      return fail("InvalidFilter", "Unknown filter " + name + ".");
    }
    if (!hit) return false;
  }
  return true;
}

ApiReply describe(Context& ctx, const std::vector<Listed>& all,
                  const std::vector<std::string>& ids) {
  const auto& p = ctx.params();
  std::int64_t offset = int_or(p, "Offset", 0);
  std::int64_t limit = int_or(p, "Limit", 20);
  if (offset < 0 || limit < 1 || limit > 100)
    return fail("InvalidParameterValue", "Offset must be >= 0 and Limit 1-100.");
  std::vector<const Listed*> matched;
  for (const auto& l : all) {
    if (!ids.empty() && std::find(ids.begin(), ids.end(), l.id) == ids.end()) continue;
    auto m = matches(l, list(p, "Filters"));
    if (!m) return m.error();
    if (*m) matched.push_back(&l);
  }
  json::array set;
  for (std::size_t i = static_cast<std::size_t>(offset);
       i < matched.size() && set.size() < static_cast<std::size_t>(limit); ++i)
    set.push_back(matched[i]->object);
  return ok({{"TotalCount", static_cast<std::int64_t>(matched.size())}, {"InstanceSet", set}});
}

}  // namespace

ApiReply cvm_terminate_instances(Context& ctx) {
  auto ids = strings(ctx.params(), "InstanceIds");
  if (ids.empty()) return fail("MissingParameter", "InstanceIds is required.");
  if (ids.size() > kMaxIds)
    return fail("InvalidParameterValue.LimitExceeded", "At most 100 InstanceIds per request.");
  std::vector<Instance> targets;
  std::set<std::string> seen;
  for (const auto& id : ids) {
    if (!well_formed_id(id, kCvmId))
      // CVM's codes, in its documented order of checks (CVM API, TerminateInstances).
      return fail("InvalidInstanceId.Malformed", "Invalid instance ID " + id + ".");
    if (!seen.insert(id).second) continue;
    if (ctx.db.node_by_cvm(id))
      // CVM refuses EMR-owned machines (CVM API, TerminateInstances error list).
      return fail("FailedOperation.InvalidInstanceApplicationRoleEmr",
                  "The EMR instance " + id + " does not support this operation.");
    auto i = ctx.db.instance(id);
    std::string state = i && i->service == "cvm" ? state_at(*i, ctx.now) : std::string();
    if (state.empty()) return fail("InvalidInstanceId.NotFound", "No instance found: " + id + ".");
    if (state == "TERMINATING")
      return fail("UnsupportedOperation.InstanceStateTerminating",
                  "The instance " + id + " is being terminated.");
    targets.push_back(*i);
  }
  for (auto& i : targets) {
    i.terminate_at_ms = ctx.now;
    ctx.db.put(i);
  }
  return ok({});
}

ApiReply cvm_describe_instances(Context& ctx) {
  const auto& p = ctx.params();
  auto ids = strings(p, "InstanceIds");
  if (!ids.empty() && list(p, "Filters"))
    return fail("InvalidParameter", "InstanceIds and Filters cannot be given together.");
  if (ids.size() > kMaxIds)
    return fail("InvalidParameterValue.LimitExceeded", "At most 100 InstanceIds per request.");
  for (const auto& id : ids)
    if (!well_formed_id(id, kCvmId))
      return fail("InvalidInstanceId.Malformed", "Invalid instance ID " + id + ".");
  std::vector<Listed> all;
  for (const auto& i : ctx.db.instances("cvm")) {
    std::string state = state_at(i, ctx.now);
    if (state.empty()) continue;
    all.push_back({cvm_instance(i, state), i.id, i.name, state, i.zone, i.tags});
  }
  for (const auto& c : ctx.db.clusters()) {
    if (c.terminated) continue;
    for (const auto& n : ctx.db.nodes(c.id)) {
      auto o = cvm_instance_of_node(n, c);
      all.push_back(
          {o, n.cvm_id, std::string(o["InstanceName"].as_string()), "RUNNING", c.zone, n.tags});
    }
  }
  return describe(ctx, all, ids);
}

ApiReply ecm_terminate_instances(Context& ctx) {
  const auto& p = ctx.params();
  auto ids = strings(p, "InstanceIdSet");
  if (ids.empty()) return fail("MissingParameter", "InstanceIdSet is required.");
  if (ids.size() > kMaxIds)
    // ECM documents no count limit; CVM's 100 with ECM's "value exceeds the limit" code.
    return fail("InvalidParameterValue.ParameterValueTooLarge",
                "At most 100 instances per request.");
  std::int64_t at = ctx.now;
  // Scheduled termination and its two time codes: ECM API, TerminateInstances. TerminateTime
  // is "YYYY-MM-DD hh:mm:ss", read in Beijing time like every EMR time.
  if (opt_bool(p, "TerminateDelay").value_or(false)) {
    auto when = parse_beijing_time(str_or(p, "TerminateTime"));
    if (!when)
      return fail("InvalidParameterValue.InvalidTime",
                  "TerminateTime must be YYYY-MM-DD hh:mm:ss.");
    if (*when < ctx.now)
      return fail("InvalidParameterValue.TerminateTimeSmaller",
                  "The scheduled termination time is before the current time.");
    at = *when;
  }
  std::vector<Instance> targets;
  std::set<std::string> seen;
  for (const auto& id : ids) {
    if (!well_formed_id(id, kEcmId))
      return fail("InvalidParameterValue.InvalidInstanceID",
                  "The instance ID " + id + " is invalid.");
    if (!seen.insert(id).second) continue;
    auto i = ctx.db.instance(id);
    std::string state = i && i->service == "ecm" ? state_at(*i, ctx.now) : std::string();
    if (state.empty())
      return fail("ResourceNotFound.InstanceNotExist", "The instance " + id + " does not exist.");
    if (state == "TERMINATING")
      // "The current operation is not allowed" (ECM API, TerminateInstances).
      return fail("FailedOperation.OperationNotAllow",
                  "The instance " + id + " is being terminated.");
    targets.push_back(*i);
  }
  for (auto& i : targets) {
    i.terminate_at_ms = at;
    ctx.db.put(i);
  }
  return ok({});
}

ApiReply ecm_describe_instances(Context& ctx) {
  const auto& p = ctx.params();
  auto ids = strings(p, "InstanceIdSet");
  for (const auto& id : ids)
    if (!well_formed_id(id, kEcmId))
      return fail("InvalidParameterValue.InvalidInstanceID",
                  "The instance ID " + id + " is invalid.");
  std::vector<Listed> all;
  for (const auto& i : ctx.db.instances("ecm")) {
    std::string state = state_at(i, ctx.now);
    if (state.empty()) continue;
    all.push_back({ecm_instance(i, state), i.id, i.name, state, i.zone, i.tags});
  }
  return describe(ctx, all, ids);
}

}  // namespace tcplan::emulator::cloud
