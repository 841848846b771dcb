// Cluster services (StartStopServiceOrMonitor: restart -> status 8 -> 2 over a "restart" flow;
// start/stop/maintenance over a 1-minute "service" flow) and YARN scheduling
// (DescribeResourceSchedule, ModifyResourceScheduler, ModifyResourceScheduleConfig).
#include <algorithm>
#include <boost/json.hpp>
#include <map>

#include "base/text.h"
#include "emulator/cloud/actions.h"
#include "emulator/cloud/operations.h"
#include "emulator/cloud/params.h"

namespace tcplan::emulator::cloud {

namespace json = boost::json;

namespace {

// "hdfs-3.2.2" provides HDFS; "hadoop-2.8.4" provides HDFS, YARN and MapReduce.
bool provides(const Cluster& c, const std::string& service) {
  std::string want = base::ascii_lower(service);
  for (const auto& s : c.software) {
    std::string name = base::ascii_lower(s.substr(0, s.find('-')));
    if (name == want) return true;
    if (name == "hadoop" && (want == "hdfs" || want == "yarn" || want == "mapreduce")) return true;
  }
  return false;
}

const char* kDefaultCapacity =
    R"({"queue":{"name":"root","capacity":100,"queues":[{"name":"default","capacity":100}]}})";
const char* kDefaultFair = R"({"queues":[{"name":"root.default","weight":1}]})";

}  // namespace

ApiReply start_stop_service_or_monitor(Context& ctx) {
  const auto& p = ctx.params();
  auto c = find_cluster(ctx, str_or(p, "InstanceId"));
  if (!c) return c.error();
  struct Op {
    const char* kind;
    const char* name;
    int status;
  };
  // Status while each runs: 8 "restarting service", 12 "exiting suspension", 10 "suspending
  // service", 11 "exiting maintenance", 9 "entering maintenance" (docs/cloud-api.md, "Cluster
  // status"); StartMonitor exits and StopMonitor enters maintenance (EMR API,
  // StartStopServiceOrMonitor).
  static const std::map<std::string, Op> kOps = {
      {"RestartService", {"restart", "Restart Service", 8}},
      {"StartService", {"service", "Start Service", 12}},
      {"StopService", {"service", "Stop Service", 10}},
      {"StartMonitor", {"service", "Exit Maintenance", 11}},
      {"StopMonitor", {"service", "Enter Maintenance", 9}}};
  std::string op_type = str_or(p, "OpType");
  auto op = kOps.find(op_type);
  if (op == kOps.end())
    return fail(
        "InvalidParameterValue",
        "OpType must be StartService, StopService, StartMonitor, StopMonitor or RestartService.");
  auto* strategy = sub(p, "StrategyConfig");
  // "RestartService: StrategyConfig is then required" (EMR API, StartStopServiceOrMonitor);
  // TimeWait at most 5 minutes and DealOnFail 0/1 are the Go SDK field comments'.
  if (op_type == "RestartService" && !strategy)
    return fail("MissingParameter", "StrategyConfig is required for RestartService.");
  if (strategy) {
    std::int64_t wait = int_or(*strategy, "TimeWait", 0);
    std::int64_t deal = int_or(*strategy, "DealOnFail", 0);
    std::int64_t rolling = int_or(*strategy, "RollingRestartSwitch", 0);
    std::int64_t batch = int_or(*strategy, "BatchSize", 1);
    if (wait < 0 || wait > 300 || (deal != 0 && deal != 1) || (rolling != 0 && rolling != 1) ||
        (rolling == 1 && batch < 1))
      return fail("InvalidParameterValue",
                  "StrategyConfig: TimeWait 0-300 s, DealOnFail 0/1, RollingRestartSwitch 0/1, "
                  "BatchSize >= 1.");
  }
  auto* scope = sub(p, "OpScope");
  auto* services = scope ? list(*scope, "ServiceInfoList") : nullptr;
  if (!services || services->empty())
    return fail("InvalidParameterValue", "OpScope.ServiceInfoList must name at least one service.");
  std::string names;
  for (const auto& s : *services) {
    std::string name = s.is_object() ? str_or(s.as_object(), "ServiceName") : std::string();
    if (!provides(*c, name))
      // "This operation is not supported": the code StartStopServiceOrMonitor lists.
      return fail("UnsupportedOperation.ServiceNotSupport",
                  "Cluster " + c->id + " does not run service " + name + ".");
    names += (names.empty() ? "" : ",") + name;
  }
  if (in_process(*c)) return in_process_reply(*c);
  FlowStart start;
  start.kind = op->second.kind;
  start.name = op->second.name;
  start.desc = {{"OpType", op_type}, {"Services", names}};
  start.status_during = op->second.status;
  start_flow(ctx, *c, std::move(start));
  return ok({});
}

ApiReply describe_resource_schedule(Context& ctx) {
  auto c = find_cluster(ctx, str_or(ctx.params(), "InstanceId"));
  if (!c) return c.error();
  return ok({{"OpenSwitch", true},
             {"Scheduler", c->scheduler},
             {"FSInfo", c->fair_config.empty() ? kDefaultFair : c->fair_config},
             {"CSInfo", c->capacity_config.empty() ? kDefaultCapacity : c->capacity_config}});
}

ApiReply modify_resource_scheduler(Context& ctx) {
  const auto& p = ctx.params();
  auto c = find_cluster(ctx, str_or(p, "InstanceId"));
  if (!c) return c.error();
  std::string old_value = str_or(p, "OldValue");
  std::string new_value = str_or(p, "NewValue");
  // The docs list only InvalidParameter for ModifyResourceScheduler; an OldValue that is not
  // the scheduler in service is the emulator's use of it.
  if (old_value != c->scheduler)
    return fail("InvalidParameter", "OldValue " + old_value + " is not the scheduler in service (" +
                                        c->scheduler + ").");
  if (new_value != "fair" && new_value != "capacity")
    return fail("InvalidParameter", "NewValue must be fair or capacity.");
  c->scheduler = new_value;
  ctx.db.put(*c);
  return ok({});
}

ApiReply modify_resource_schedule_config(Context& ctx) {
  const auto& p = ctx.params();
  auto c = find_cluster(ctx, str_or(p, "InstanceId"));
  if (!c) return c.error();
  std::string key = str_or(p, "Key");
  std::string value = str_or(p, "Value");
  if (key != "fair" && key != "fairPlan" && key != "capacity")
    return fail("InvalidParameter", "Key must be fair, fairPlan or capacity.");
  boost::system::error_code ec;
  auto parsed = json::parse(value, ec);
  if (ec || !parsed.is_object())
    return fail("InvalidParameter", "Value must be a JSON object serialised into a string.");
  if (key == "fair") c->fair_config = value;
  if (key == "fairPlan") c->fair_plan = value;
  if (key == "capacity") c->capacity_config = value;
  ctx.db.put(*c);
  // Not a draft: there is no "Apply" API to publish one (docs/emulator-model.md).
  return ok({{"IsDraft", false}, {"ErrorMsg", nullptr}, {"Data", ""}});
}

}  // namespace tcplan::emulator::cloud
