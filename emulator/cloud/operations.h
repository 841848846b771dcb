// The steps actions share: finding a cluster the way the cloud reports a missing or busy one,
// creating nodes, starting a flow on a cluster, and settling flows whose time has come.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "emulator/cloud/context.h"
#include "emulator/cloud/model.h"

namespace tcplan::emulator::cloud {

// A live (not terminated) cluster. A malformed id gets `malformed_code` (the action's
// documented code, e.g. InvalidParameter.InvalidClusterId); an unknown or terminated one gets
// ResourceNotFound.InstanceNotFound.
base::Result<Cluster, ApiReply> find_cluster(
    Context& ctx, std::string_view id,
    std::string_view malformed_code = "ResourceNotFound.InstanceNotFound");

// A flow holds the cluster (or a fixture left it in a transitional status).
bool in_process(const Cluster& c);
ApiReply in_process_reply(const Cluster& c);

// A new node of the cluster with fresh ids, NameTag and IP (not stored).
Node new_node(Context& ctx, Cluster& c, int flag, const NodeSpec& spec, std::vector<Tag> tags,
              int charge_type);

struct FlowStart {
  std::string kind;  // flows.h default_stages
  std::string name;  // FlowName
  std::vector<std::pair<std::string, std::string>> desc;
  int status_during = 2;
  int status_on_success = 2;
  int status_on_failure = 2;
  std::int64_t extra_ms = 0;
  std::vector<Node> add_nodes;
  std::vector<std::string> remove_nodes;
  bool terminate_cluster = false;
};

// Starts a flow on the cluster: applies the fault script, puts the cluster into
// status_during, and stores both. Returns the stored flow.
Flow start_flow(Context& ctx, Cluster& c, FlowStart start);

// Applies the outcome of every flow whose effect time is at or before now_ms.
void settle_flows(StateStore& db, std::int64_t now_ms);

// "true" for the statuses the cloud uses while a flow runs (3, 4, 5, ... 24).
bool transitional_status(int status);

// Tags from a request's Tags array; keys must be unique and non-empty.
base::Result<std::vector<Tag>, ApiReply> request_tags(const boost::json::object& params,
                                                      std::string_view key = "Tags");

}  // namespace tcplan::emulator::cloud
