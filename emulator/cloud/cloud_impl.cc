#include "emulator/cloud/cloud_impl.h"

#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <map>
#include <stdexcept>

#include "api/catalog.h"
#include "emulator/cloud/actions.h"
#include "emulator/cloud/client_tokens.h"
#include "emulator/cloud/fixture.h"
#include "emulator/cloud/flows.h"
#include "emulator/cloud/operations.h"

namespace tcplan::emulator::cloud {

namespace json = boost::json;

namespace {

std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Whether an action dedupes by ClientToken is the catalog's `client_token` (the actions whose
// docs list the param: docs/cloud-api.md, "ClientToken"), not a second list here.
const std::map<std::pair<std::string, std::string>, Handler>& actions() {
  static const std::map<std::pair<std::string, std::string>, Handler> kActions = {
      {{"emr", "CreateCluster"}, create_cluster},
      {{"emr", "CreateInstance"}, create_instance},
      {{"emr", "ScaleOutCluster"}, scale_out_cluster},
      {{"emr", "ScaleOutInstance"}, scale_out_instance},
      {{"emr", "TerminateTasks"}, terminate_tasks},
      {{"emr", "TerminateClusterNodes"}, terminate_cluster_nodes},
      {{"emr", "TerminateInstance"}, terminate_instance},
      {{"emr", "DescribeInstances"}, describe_instances},
      {{"emr", "DescribeInstancesList"}, describe_instances_list},
      {{"emr", "DescribeClusterNodes"}, describe_cluster_nodes},
      {{"emr", "DescribeClusterFlowStatusDetail"}, describe_cluster_flow_status_detail},
      {{"emr", "InquiryPriceCreateInstance"}, inquiry_price_create_instance},
      {{"emr", "InquiryPriceScaleOutInstance"}, inquiry_price_scale_out_instance},
      {{"emr", "InquiryPriceRenewInstance"}, inquiry_price_renew_instance},
      {{"emr", "InquiryPriceUpdateInstance"}, inquiry_price_update_instance},
      {{"emr", "StartStopServiceOrMonitor"}, start_stop_service_or_monitor},
      {{"emr", "DescribeResourceSchedule"}, describe_resource_schedule},
      {{"emr", "ModifyResourceScheduler"}, modify_resource_scheduler},
      {{"emr", "ModifyResourceScheduleConfig"}, modify_resource_schedule_config},
      {{"cvm", "TerminateInstances"}, cvm_terminate_instances},
      {{"cvm", "DescribeInstances"}, cvm_describe_instances},
      {{"ecm", "TerminateInstances"}, ecm_terminate_instances},
      {{"ecm", "DescribeInstances"}, ecm_describe_instances},
  };
  return kActions;
}

std::int64_t meta_int(StateStore& db, std::string_view key, std::int64_t fallback) {
  auto v = db.meta(key);
  return v ? std::stoll(*v) : fallback;
}

}  // namespace

CloudImpl::CloudImpl(const CloudOptions& options) : options_(options), db_(options.state_file) {
  if (!(options_.time_scale > 0) || !std::isfinite(options_.time_scale))
    throw std::runtime_error("emulator time scale must be a positive number");
  for (const auto& f : options_.flow_faults)
    if (f.outcome != -1 && f.outcome != -3 && f.outcome != 3)
      throw std::runtime_error("flow fault outcome must be -1, -3 or 3, got " +
                               std::to_string(f.outcome));
  db_.begin();
  try {
    init_clock();
    if (!options_.fixture_file.empty())
      load_fixture(db_, options_.fixture_file, options_, clock_now());
    db_.commit();
  } catch (...) {
    db_.rollback();
    throw;
  }
}

void CloudImpl::init_clock() {
  const std::int64_t wall = wall_ms();
  auto scale = db_.meta("clock_scale");
  if (!scale) {
    db_.set_meta("clock_epoch_wall_ms", std::to_string(wall));
    db_.set_meta("clock_epoch_virtual_ms", std::to_string(wall));
    db_.set_meta("clock_advance_ms", "0");
  } else if (std::stod(*scale) != options_.time_scale) {
    // Keep emulator time continuous across a change of scale: what was "now" stays "now".
    std::int64_t now = clock_now();
    db_.set_meta("clock_epoch_wall_ms", std::to_string(wall));
    db_.set_meta("clock_epoch_virtual_ms", std::to_string(now));
    db_.set_meta("clock_advance_ms", "0");
  }
  db_.set_meta("clock_scale", json::serialize(json::value(options_.time_scale)));
}

std::int64_t CloudImpl::clock_now() {
  const std::int64_t epoch_wall = meta_int(db_, "clock_epoch_wall_ms", wall_ms());
  const std::int64_t epoch_virtual = meta_int(db_, "clock_epoch_virtual_ms", epoch_wall);
  const std::int64_t advance = meta_int(db_, "clock_advance_ms", 0);
  auto scale_text = db_.meta("clock_scale");
  double scale = scale_text ? std::stod(*scale_text) : options_.time_scale;
  return epoch_virtual +
         static_cast<std::int64_t>(static_cast<double>(wall_ms() - epoch_wall) * scale) + advance;
}

std::int64_t CloudImpl::now_ms() {
  std::lock_guard lock(mu_);
  return clock_now();
}

void CloudImpl::advance_clock(std::int64_t ms) {
  if (ms < 0) throw std::invalid_argument("the emulator clock only moves forward");
  std::lock_guard lock(mu_);
  db_.begin();
  try {
    db_.set_meta("clock_advance_ms", std::to_string(meta_int(db_, "clock_advance_ms", 0) + ms));
    db_.commit();
  } catch (...) {
    db_.rollback();
    throw;
  }
}

ApiReply CloudImpl::handle(const ApiCall& call) {
  auto entry = actions().find({call.service, call.action});
  if (entry == actions().end())
    return ApiReply::error("InvalidAction", "The emulator does not implement " + call.service +
                                                " " + call.action + ".");
  std::lock_guard lock(mu_);
  try {
    db_.begin();
    const std::int64_t now = call.now_ms > 0 ? call.now_ms : clock_now();
    settle_flows(db_, now);
    // The action's own writes are undone on an error reply; settling is kept either way.
    db_.savepoint();
    Context ctx{db_, call, options_, now};
    const api::ActionSpec* spec =
        api::Catalog::builtin().find(call.service, call.action, call.version);
    const bool client_token = spec != nullptr && spec->client_token;
    ApiReply reply;
    std::optional<ApiReply> early;
    if (client_token) early = check_client_token(ctx);
    if (early) {
      reply = std::move(*early);
    } else {
      reply = entry->second(ctx);
      if (client_token) remember_client_token(ctx, reply, ctx.resources_created);
    }
    if (!reply.ok()) db_.rollback_to_savepoint();
    db_.release_savepoint();
    db_.commit();
    return reply;
  } catch (const std::exception& e) {
    // SQLite failing (busy past the timeout, disk full) is the cloud having an internal error.
    try {
      db_.rollback();
    } catch (...) {
    }
    return ApiReply::error("InternalError", std::string("emulator state: ") + e.what());
  }
}

json::value CloudImpl::state_json(std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  db_.begin();
  try {
    settle_flows(db_, now_ms);
    json::array clusters;
    for (const auto& c : db_.clusters()) {
      json::object o = to_json(c);
      json::array nodes;
      for (const auto& n : db_.nodes(c.id))
        nodes.push_back(to_json(n));
      o["Nodes"] = std::move(nodes);
      clusters.push_back(std::move(o));
    }
    json::array flows;
    for (const auto& f : db_.flows()) {
      FlowView v = view_flow(f, now_ms);
      flows.push_back(json::object{{"FlowId", f.id},
                                   {"TraceId", f.trace_id},
                                   {"ClusterId", f.cluster_id},
                                   {"Action", f.action},
                                   {"FlowName", f.name},
                                   {"FlowTotalStatus", v.total_status},
                                   {"FlowTotalProgress", v.progress},
                                   {"Outcome", f.outcome},
                                   {"StartMs", f.start_ms},
                                   {"EndMs", f.start_ms + total_duration(f)},
                                   {"Settled", f.settled}});
    }
    json::array instances;
    for (const char* service : {"cvm", "ecm"}) {
      for (const auto& i : db_.instances(service)) {
        json::object o = to_json(i);
        std::string state = "RUNNING";
        if (i.terminate_at_ms >= 0 && now_ms >= i.terminate_at_ms)
          state = now_ms < i.terminate_at_ms + 60'000 ? "TERMINATING" : "TERMINATED";
        o["InstanceState"] = state;
        instances.push_back(std::move(o));
      }
    }
    json::array tokens;
    for (const auto& u : db_.token_usage()) {
      json::object o{{"ClientToken", u.token},
                     {"Action", u.action},
                     {"Calls", u.calls},
                     {"ResourcesCreated", u.resources}};
      auto live = db_.token(u.token);
      if (live && live->action == u.action && live->created_ms + kClientTokenTtlMs > now_ms)
        o["ValidUntilMs"] = live->created_ms + kClientTokenTtlMs;
      else
        o["ValidUntilMs"] = nullptr;
      tokens.push_back(std::move(o));
    }
    db_.commit();
    return json::object{{"NowMs", now_ms},
                        {"TimeScale", options_.time_scale},
                        {"Clusters", std::move(clusters)},
                        {"Flows", std::move(flows)},
                        {"Instances", std::move(instances)},
                        {"ClientTokens", std::move(tokens)}};
  } catch (...) {
    db_.rollback();
    throw;
  }
}

}  // namespace tcplan::emulator::cloud

namespace tcplan::emulator {

std::unique_ptr<Cloud> make_cloud(const CloudOptions& options) {
  return std::make_unique<cloud::CloudImpl>(options);
}

}  // namespace tcplan::emulator
