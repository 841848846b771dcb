// Every action the emulator answers, one handler each, grouped into actions_*.cc by what they
// touch. A handler checks its parameters and the state first and writes only once the call is
// known to succeed (the Cloud still rolls back the writes of any error reply).
#pragma once

#include "emulator/cloud/context.h"

namespace tcplan::emulator::cloud {

// EMR 2019-01-03: clusters (actions_create.cc, actions_scale.cc, actions_terminate.cc)
ApiReply create_cluster(Context& ctx);
ApiReply create_instance(Context& ctx);
ApiReply scale_out_cluster(Context& ctx);
ApiReply scale_out_instance(Context& ctx);
ApiReply terminate_tasks(Context& ctx);
ApiReply terminate_cluster_nodes(Context& ctx);
ApiReply terminate_instance(Context& ctx);

// EMR reads (actions_describe.cc)
ApiReply describe_instances(Context& ctx);
ApiReply describe_instances_list(Context& ctx);
ApiReply describe_cluster_nodes(Context& ctx);
ApiReply describe_cluster_flow_status_detail(Context& ctx);

// EMR prices (actions_price.cc)
ApiReply inquiry_price_create_instance(Context& ctx);
ApiReply inquiry_price_scale_out_instance(Context& ctx);
ApiReply inquiry_price_renew_instance(Context& ctx);
ApiReply inquiry_price_update_instance(Context& ctx);

// EMR services and YARN scheduling (actions_services.cc)
ApiReply start_stop_service_or_monitor(Context& ctx);
ApiReply describe_resource_schedule(Context& ctx);
ApiReply modify_resource_scheduler(Context& ctx);
ApiReply modify_resource_schedule_config(Context& ctx);

// CVM 2017-03-12 and ECM 2019-07-19 (actions_instances.cc)
ApiReply cvm_terminate_instances(Context& ctx);
ApiReply cvm_describe_instances(Context& ctx);
ApiReply ecm_terminate_instances(Context& ctx);
ApiReply ecm_describe_instances(Context& ctx);

}  // namespace tcplan::emulator::cloud
