// The cloud's state in SQLite, so that separate processes on one state file share one cloud and
// a restart keeps it. Rows hold JSON documents (model.h) plus the columns we look them up by.
// Every Cloud call runs in one BEGIN IMMEDIATE transaction: calls from threads and processes
// are serialised by SQLite's write lock (WAL + busy_timeout), never interleaved.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/cloud/model.h"

namespace tcplan::emulator::cloud {

// What a ClientToken call returned, kept for the token's 5 minutes.
struct TokenRecord {
  std::string token;
  std::string action;
  std::string params_hash;
  std::string response;  // the successful response, JSON text
  std::int64_t created_ms = 0;
};

struct TokenUsage {
  std::string token;
  std::string action;
  std::int64_t calls = 0;      // successful calls that carried the token
  std::int64_t resources = 0;  // clusters or nodes those calls created
};

// Failures of SQLite itself (disk full, lock held past the busy timeout) throw
// std::runtime_error; the Cloud turns them into an InternalError reply.
class StateStore {
 public:
  // An empty path keeps the state in memory (one process only).
  explicit StateStore(const std::filesystem::path& file);
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  void begin();  // BEGIN IMMEDIATE: take the write lock now, not at the first write
  void commit();
  void rollback();
  // Undo the action's own writes on an error reply, but keep what settling flows did.
  void savepoint();
  void rollback_to_savepoint();
  void release_savepoint();

  std::optional<std::string> meta(std::string_view key);
  void set_meta(std::string_view key, std::string_view value);
  // Returns the counter's value and stores value + 1 (first use returns `first`).
  std::int64_t next_counter(std::string_view key, std::int64_t first);

  std::optional<Cluster> cluster(std::string_view id);
  std::vector<Cluster> clusters();  // in creation order, terminated ones included
  void put(const Cluster& c);

  std::vector<Node> nodes(std::string_view cluster_id);  // in creation order
  std::vector<Node> all_nodes();
  std::optional<Node> node_by_resource(std::string_view resource_id);
  std::optional<Node> node_by_cvm(std::string_view cvm_id);
  void put(const Node& n);
  void remove_node(std::string_view resource_id);

  std::optional<Flow> flow(std::int64_t id);
  std::optional<Flow> flow_by_trace(std::string_view trace_id);
  std::vector<Flow> flows();
  // Unsettled flows whose effect time is at or before now_ms, earliest first.
  std::vector<Flow> flows_due(std::int64_t now_ms);
  // effect_ms: when the flow's outcome takes effect (INT64_MAX for a blocked flow).
  void put(const Flow& f, std::int64_t effect_ms);

  std::optional<Instance> instance(std::string_view id);
  std::vector<Instance> instances(std::string_view service);
  void put(const Instance& i);

  std::optional<TokenRecord> token(std::string_view token);
  void put(const TokenRecord& r);
  void forget_tokens_before(std::int64_t created_before_ms);
  void count_token_use(std::string_view token, std::string_view action, std::int64_t resources);
  std::vector<TokenUsage> token_usage();

 private:
  void exec(const char* sql);
  sqlite3* db_ = nullptr;
};

}  // namespace tcplan::emulator::cloud
