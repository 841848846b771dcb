// `tcplan call SERVICE ACTION [--params JSON|@FILE] [--version V]`: one signed API call, like
// tccli, recorded in the audit trail like every other call (a run of its own: run_started,
// request_sent before the request leaves, response_received, run_finished, sealed). Prints the
// Response object on success (exit 0); on an API error prints
// "error: <Code>: <Message> (RequestId <id>)" (exit 1). ${env.NAME} in a params string is
// filled from the environment and redacted everywhere. Global options (--endpoint, --region,
// --output, --audit-db, ...) belong to the root app and may come before or after the subcommand.
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include "api/client.h"
#include "audit/call_recorder.h"
#include "audit/event_store.h"
#include "audit/seal.h"
#include "audit/witness.h"
#include "base/redact.h"
#include "base/time.h"
#include "cli/command.h"
#include "cli/output_json.h"
#include "cli/target.h"
#include "planner/resolve.h"

namespace tcplan::cli {
namespace {

namespace json = boost::json;

struct CallOptions {
  std::string service;
  std::string action;
  std::string params = "{}";
  std::string version;
  std::string audit_key;
};

// --params is inline JSON, @FILE, or @- for standard input.
base::Result<json::object> read_params(const std::string& arg) {
  std::string text = arg;
  std::string what = "--params";
  if (!arg.empty() && arg[0] == '@') {
    std::string path = arg.substr(1);
    std::ostringstream buf;
    if (path == "-") {
      buf << std::cin.rdbuf();
      what = "standard input";
    } else {
      std::ifstream in(path, std::ios::binary);
      if (!in) return base::Error{"cannot read params file " + path};
      buf << in.rdbuf();
      what = path;
    }
    text = buf.str();
  }
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return base::Error{what + " is not valid JSON: " + ec.message()};
  if (!v.is_object()) return base::Error{what + " must be a JSON object ({...})"};
  return std::move(v.get_object());
}

// ${env.NAME} (and ${run.id}) in params strings; "$${" is a literal "${". Resolution
// registers each environment value with the redactor before the request is built.
base::Result<json::object> expand_params(const json::object& params, const std::string& run_id) {
  planner::ResolveContext ctx;
  ctx.run_id = run_id;
  auto v = planner::resolve_value(json::value(params), ctx);
  if (!v) return base::Error{"--params: " + v.error().message};
  return std::move(v->as_object());
}

std::string new_call_run_id() {
  std::random_device rd;
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%04x", static_cast<unsigned>(rd() & 0xffff));
  return "call-" + base::format_utc_compact(std::chrono::system_clock::now()) + "-" + suffix;
}

std::string scalar_text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  return to_json_text(v);
}

// Top-level fields as two columns; nested values as compact JSON.
void print_table(const json::object& response) {
  std::size_t width = 0;
  for (const auto& [key, value] : response)
    width = std::max(width, key.size());
  for (const auto& [key, value] : response) {
    std::string k(key);
    std::printf("%-*s  %s\n", static_cast<int>(width), base::printable(k).c_str(),
                base::printable(scalar_text(value)).c_str());
  }
}

int run_call(const CallOptions& call, const GlobalOptions& global, bool table) {
  auto params = read_params(call.params);
  if (!params) {
    std::fprintf(stderr, "error: %s\n", base::printable(params.error().message).c_str());
    return kExitUsage;
  }
  std::string run_id = new_call_run_id();
  auto expanded = expand_params(*params, run_id);
  if (!expanded) {
    std::fprintf(stderr, "error: %s\n", base::printable(expanded.error().message).c_str());
    return kExitUsage;
  }
  auto target = resolve_target(global);
  if (!target) {
    std::fprintf(stderr, "error: %s\n", base::printable(target.error().message).c_str());
    return target.error().exit_code;
  }
  api::Client client(target->credentials, target->options);  // registers the secrets

  // The trail first: a call that cannot be recorded is not sent.
  auto store = audit::EventStore::open(global.audit_db);
  if (!store) {
    std::fprintf(stderr, "error: %s: nothing was sent\n",
                 base::printable(store.error().message).c_str());
    return kExitFailed;
  }
  auto key = audit::SealKey::load_or_create(call.audit_key.empty()
                                                ? audit::default_key_path(global.audit_db)
                                                : std::filesystem::path(call.audit_key));
  if (!key) {
    std::fprintf(stderr, "error: audit key: %s: nothing was sent\n",
                 base::printable(key.error().message).c_str());
    return kExitFailed;
  }
  if (!global.audit_witness.empty()) {
    (*store)->set_witnesses({audit::file_witness(global.audit_witness)});
  }
  audit::Event started;
  started.kind = audit::EventKind::kRunStarted;
  started.run_id = run_id;
  started.service = call.service;
  started.action = call.action;
  started.payload = json::serialize(json::object{{"mode", "call"},
                                                 {"service", call.service},
                                                 {"action", call.action},
                                                 {"target", target->description}});
  if (auto r = (*store)->append(std::move(started)); !r) {
    std::fprintf(stderr, "error: audit trail: %s: nothing was sent\n",
                 base::printable(r.error().message).c_str());
    return kExitFailed;
  }

  api::CallRequest request;
  request.service = call.service;
  request.action = call.action;
  request.version = call.version;
  request.params = std::move(*expanded);
  audit::CallRecorder recorder(**store, {run_id, "call", "", 1});
  auto result = client.call(request, &recorder);

  json::object finished{{"status", result ? "succeeded" : "failed"}};
  if (!result) finished["error"] = result.error().code;
  audit::Event done;
  done.kind = audit::EventKind::kRunFinished;
  done.run_id = run_id;
  done.payload = json::serialize(finished);
  bool recorded = !recorder.record_error() && (*store)->append(std::move(done)).ok();
  if (auto sealed = (*store)->seal(run_id, *key); !sealed) {
    std::fprintf(stderr, "warning: sealing run %s failed: %s\n", run_id.c_str(),
                 base::printable(sealed.error().message).c_str());
  }

  int exit_code = kExitOk;
  if (!result) {
    std::fprintf(stderr, "error: %s\n", base::printable(result.error().to_string()).c_str());
    exit_code = result.error().code == api::kInvalidRequest ? kExitUsage : kExitFailed;
  } else if (table) {
    print_table(result->response);
  } else {
    // JSON escapes control characters itself; registered values are still replaced.
    std::printf("%s\n",
                base::process_redactor().redact_text(to_json_text(result->response)).c_str());
  }
  if (!recorded) {
    std::fprintf(stderr, "error: the outcome of run %s could not be recorded in %s: %s\n",
                 run_id.c_str(), global.audit_db.c_str(),
                 recorder.record_error() ? base::printable(recorder.record_error()->message).c_str()
                                         : "run_finished not written");
    exit_code = kExitFailed;
  }
  return exit_code;
}

}  // namespace

void add_call_command(CLI::App& app, const GlobalOptions& global, CommandFn& run) {
  auto call = std::make_shared<CallOptions>();
  CLI::App* sub = app.add_subcommand("call", "Make one signed Tencent Cloud API call (like tccli)");
  sub->add_option("service", call->service, "Service: emr, cvm or ecm")->required();
  sub->add_option("action", call->action, "Action, e.g. DescribeInstances")->required();
  sub->add_option("--params", call->params, "Request parameters: JSON, @FILE, or @- for stdin");
  sub->add_option("--version", call->version, "API version (default: the catalog's)");
  sub->add_option(
      "--audit-key", call->audit_key,
      "Ed25519 key that seals the call's record (default: <audit-db>.key, created 0600)");
  CLI::Option* output = app.get_option("--output");
  sub->callback([call, &global, output, &run] {
    // JSON unless a table was asked for explicitly: the global default (table) suits plan
    // summaries, but a raw API response is JSON by nature, as tccli prints it.
    bool table = output->count() > 0 && global.output == "table";
    run = [call, &global, table] { return run_call(*call, global, table); };
  });
}

}  // namespace tcplan::cli
