// The reference trail both audit fuzz targets mutate: two small sealed runs written through
// the real EventStore with a fixed clock, operator and seal key, so the same bytes come out on
// every machine. The seed corpora (corpus/audit_db, corpus/audit_pack) are this trail's
// database file and its JSONL export; TCPLAN_FUZZ_WRITE_SEEDS=DIR writes them again.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "audit/chain.h"
#include "audit/event_store.h"
#include "audit/export.h"
#include "audit/seal.h"

namespace tcplan::fuzz {

// A seal key for the fuzz trail only (it signs nothing else).
inline constexpr const char* kFuzzSealKeyPem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIEitLURO74lHXh8/gINcSf3AYVC1t2JhfElpEU1kOLNh\n"
    "-----END PRIVATE KEY-----\n";

struct ReferenceTrail {
  std::filesystem::path dir;  // scratch space of this process
  std::string public_key_hex;
  std::vector<audit::Event> events;  // seq 1..N, as stored
  std::string db_bytes;
  std::string jsonl;
};

inline std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void write_bytes(const std::filesystem::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline audit::StoreOptions fixed_clock() {
  audit::StoreOptions options;
  auto t = std::make_shared<std::int64_t>(1714564800000);  // 2024-05-01T12:00:00Z
  options.clock_ms = [t] { return (*t) += 250; };
  options.busy_timeout = std::chrono::milliseconds(0);
  return options;
}

inline void append_run(audit::EventStore& store, const std::string& run,
                       const audit::SealKey& key) {
  auto must = [](auto r) {
    if (!r) throw std::runtime_error(r.error().message);
    return *r;
  };
  auto make = [&](audit::EventKind kind, const std::string& step, const std::string& payload) {
    audit::Event e;
    e.kind = kind;
    e.run_id = run;
    e.step_id = step;
    e.payload = payload;
    e.operator_user = "fuzz";
    e.operator_host = "fuzz-host";
    e.tool_version = "0.0.0-fuzz";
    return e;
  };
  must(store.append(
      make(audit::EventKind::kRunStarted, "", R"({"plan":"plans/demo.toml","mode":"apply"})")));
  must(store.append(make(audit::EventKind::kStepStarted, "create", R"({"client_token":"tok-1"})")));
  audit::Event req = make(
      audit::EventKind::kRequestSent, "create",
      R"({"headers":{"Host":"127.0.0.1"},"body":{"ClientToken":"tok-1","Remark":"<b>x</b>"}})");
  req.service = "emr";
  req.action = "CreateInstance";
  req.version = "2019-01-03";
  req.region = "ap-guangzhou";
  req.endpoint = "http://127.0.0.1:1/";
  req.attempt = 1;
  req.client_token = "tok-1";
  must(store.append(req));
  audit::Event resp = req;
  resp.kind = audit::EventKind::kResponseReceived;
  resp.payload = R"({"body":{"Response":{"InstanceId":"emr-abc","RequestId":"r-1"}}})";
  resp.http_status = 200;
  resp.request_id = "r-1";
  resp.latency_us = 1234;
  must(store.append(resp));
  must(store.append(make(audit::EventKind::kStepFinished, "create",
                         R"({"status":"succeeded","outputs":{"InstanceId":"emr-abc"}})")));
  must(store.append(make(audit::EventKind::kRunFinished, "", R"({"status":"succeeded"})")));
  must(store.seal(run, key));
}

inline const ReferenceTrail& reference_trail() {
  static const ReferenceTrail trail = [] {
    ReferenceTrail t;
    t.dir = std::filesystem::temp_directory_path() /
            ("tcplan-audit-fuzz-" + std::to_string(::getpid()));
    std::filesystem::remove_all(t.dir);
    std::filesystem::create_directories(t.dir);
    const auto key_path = t.dir / "seal.pem";
    write_bytes(key_path, kFuzzSealKeyPem);
    std::filesystem::permissions(
        key_path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    auto key = audit::SealKey::load(key_path);
    if (!key) throw std::runtime_error(key.error().message);
    t.public_key_hex = key->public_key_hex();
    const auto db = t.dir / "reference.db";
    {
      auto store = audit::EventStore::open(db, fixed_clock());
      if (!store) throw std::runtime_error(store.error().message);
      append_run(**store, "run-a", *key);
      append_run(**store, "run-b", *key);
      auto all = (*store)->query(audit::EventQuery{});
      if (!all) throw std::runtime_error(all.error().message);
      t.events = std::move(*all);
    }
    t.db_bytes = read_bytes(db);
    t.jsonl = audit::to_jsonl(t.events);
    if (const char* out = std::getenv("TCPLAN_FUZZ_WRITE_SEEDS")) {
      write_bytes(std::filesystem::path(out) / "reference.db", t.db_bytes);
      write_bytes(std::filesystem::path(out) / "events.jsonl", t.jsonl);
    }
    return t;
  }();
  return trail;
}

// A verified event at `seq` (inside the sealed part) must be the reference event exactly.
inline bool same_as_reference(const audit::Event& e) {
  const auto& ref = reference_trail().events;
  if (e.seq < 1 || static_cast<std::size_t>(e.seq) > ref.size()) return false;
  const audit::Event& r = ref[static_cast<std::size_t>(e.seq - 1)];
  return audit::canonical_bytes(e) == audit::canonical_bytes(r) && e.hash == r.hash &&
         e.prev_hash == r.prev_hash;
}

}  // namespace tcplan::fuzz
