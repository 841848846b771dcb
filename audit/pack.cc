// Trail access events, writing an evidence pack and checking one (see pack.h).
#include "audit/pack.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <sstream>

#include "api/hash.h"
#include "audit/event_store.h"
#include "audit/export.h"
#include "audit/projection.h"
#include "audit/report_html.h"
#include "base/atomic_file.h"
#include "base/time.h"

namespace tcplan::audit {
namespace {

constexpr const char* kManifest = "manifest.json";
constexpr const char* kSignature = "manifest.sig";
constexpr const char* kEvents = "events.jsonl";

std::string pack_message(std::string_view manifest) {
  std::string m(kPackFormat);
  m += '\n';
  m += manifest;
  return m;
}

bool is_trail_access(EventKind k) {
  return k == EventKind::kTrailRead || k == EventKind::kTrailExported;
}

base::Result<std::string> slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return base::Error{"cannot read " + path.string()};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

base::Result<Event> record_trail_access(EventStore& store, EventKind kind,
                                        const std::string& run_id,
                                        const std::string& details_json) {
  Event e;
  e.kind = kind;
  e.run_id = run_id;
  e.payload = details_json;
  return store.append(std::move(e));
}

base::Result<std::vector<PackedFile>> pack_run(EventStore& store, const std::string& run_id,
                                               const std::filesystem::path& dir,
                                               const PackOptions& options) {
  if (options.signer == nullptr) return base::Error{"a pack needs the seal key to sign it"};
  auto events = store.run_events(run_id);
  if (!events) return events.error();
  if (events->empty()) return base::Error{"no run " + run_id + " in " + store.describe()};
  // The slice ends at the run's last event that is not a read of the trail (its seal, when
  // sealed): reading or packing the run again must not change what a pack covers.
  std::int64_t first = events->front().seq, last = first;
  for (const auto& e : *events) {
    if (!is_trail_access(e.kind)) last = e.seq;
  }
  std::vector<Event> slice;
  auto scanned = store.scan(first, [&](const Event& e) {
    if (e.seq > last) return false;
    slice.push_back(e);
    return true;
  });
  if (!scanned) return scanned.error();

  VerifyOptions vo;
  vo.run_id = run_id;
  vo.trusted_public_key = options.trusted_public_key;
  vo.anchors = options.anchors;
  auto chain = verify_store(store, vo);
  if (!chain) return chain.error();

  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return base::Error{"creating " + dir.string() + ": " + ec.message()};

  std::vector<std::pair<std::string, std::string>> files = {
      {kEvents, to_jsonl(slice)},
      {"events.csv", to_csv(slice)},
      {"report.html", render_html_report(project_run(*events), *events, *chain)},
  };
  std::vector<PackedFile> manifest;
  std::string sums;
  boost::json::array listed;
  for (const auto& [name, contents] : files) {
    if (auto w = base::write_file_atomically(dir / name, contents, options.mode); !w) {
      return w.error();
    }
    manifest.push_back(PackedFile{name, api::sha256_hex(contents), contents.size()});
    sums += manifest.back().sha256 + "  " + name + "\n";
    listed.push_back(
        {{"name", name}, {"sha256", manifest.back().sha256}, {"bytes", contents.size()}});
  }
  boost::json::object m;
  m["format"] = kPackFormat;
  m["run_id"] = run_id;
  m["first_seq"] = slice.front().seq;
  m["last_seq"] = slice.back().seq;
  m["count"] = slice.size();
  m["first_prev_hash"] = slice.front().prev_hash;
  m["head_hash"] = slice.back().hash;
  m["files"] = std::move(listed);
  m["public_key"] = options.signer->public_key_hex();
  m["key_fingerprint"] = options.signer->fingerprint();
  m["created"] = base::format_utc(std::chrono::system_clock::now());
  std::string manifest_text = boost::json::serialize(m) + "\n";
  auto signature = options.signer->sign(pack_message(manifest_text));
  if (!signature) return signature.error();
  boost::json::object sig{{"algorithm", "Ed25519"},
                          {"public_key", options.signer->public_key_hex()},
                          {"key_fingerprint", options.signer->fingerprint()},
                          {"signature", *signature}};
  std::string sig_text = boost::json::serialize(sig) + "\n";
  sums += api::sha256_hex(manifest_text) + "  " + kManifest + "\n";
  for (const auto& [name, contents] : std::vector<std::pair<std::string, std::string>>{
           {kManifest, manifest_text}, {kSignature, sig_text}, {"SHA256SUMS", sums}}) {
    if (auto w = base::write_file_atomically(dir / name, contents, options.mode); !w) {
      return w.error();
    }
  }

  boost::json::object details;
  details["command"] = "audit pack";
  details["dir"] = dir.string();
  details["chain_intact"] = chain->intact();
  details["first_seq"] = slice.front().seq;
  details["last_seq"] = slice.back().seq;
  details["manifest_sha256"] = api::sha256_hex(manifest_text);
  boost::json::array list;
  for (const auto& f : manifest)
    list.push_back({{"file", f.name}, {"sha256", f.sha256}});
  details["files"] = list;
  auto recorded = record_trail_access(store, EventKind::kTrailExported, run_id,
                                      boost::json::serialize(details));
  if (!recorded) return recorded.error();
  return manifest;
}

base::Result<PackCheck> verify_pack(const std::filesystem::path& dir,
                                    const std::string& trusted_public_key) {
  auto manifest_text = slurp(dir / kManifest);
  if (!manifest_text) return manifest_text.error();
  auto sig_text = slurp(dir / kSignature);
  if (!sig_text) return sig_text.error();
  PackCheck check;
  boost::system::error_code sig_ec, manifest_ec;
  auto sig = boost::json::parse(*sig_text, sig_ec);
  auto m = boost::json::parse(*manifest_text, manifest_ec);
  if (!sig.is_object()) return base::Error{(dir / kSignature).string() + " is not JSON"};
  if (!m.is_object()) return base::Error{(dir / kManifest).string() + " is not JSON"};
  auto str = [](const boost::json::value& v, const char* k) {
    auto* f = v.as_object().if_contains(k);
    return f != nullptr && f->is_string() ? std::string(f->as_string()) : std::string();
  };
  auto num = [](const boost::json::value& v, const char* k) -> std::int64_t {
    auto* f = v.as_object().if_contains(k);
    return f != nullptr && f->is_number() ? f->to_number<std::int64_t>() : 0;
  };

  // 1. The signature, before anything the manifest says is believed.
  std::string pub = str(sig, "public_key");
  check.key_fingerprint = key_fingerprint(pub);
  check.signature_ok = verify_signature(pub, pack_message(*manifest_text), str(sig, "signature"));
  if (!check.signature_ok) {
    check.problems.push_back("manifest.json: the Ed25519 signature does not verify (key " +
                             check.key_fingerprint + "): the manifest was changed or forged");
  } else if (str(m, "public_key") != pub) {
    check.problems.push_back("manifest.json names key " + key_fingerprint(str(m, "public_key")) +
                             " but was signed by " + check.key_fingerprint);
  } else if (!trusted_public_key.empty() && pub != trusted_public_key) {
    check.problems.push_back("manifest signed by key " + check.key_fingerprint +
                             ", not by the trusted key " + key_fingerprint(trusted_public_key));
  }
  if (str(m, "format") != kPackFormat) {
    check.problems.push_back("manifest.json is not a " + std::string(kPackFormat) + " manifest");
    return check;
  }
  check.run_id = str(m, "run_id");
  check.first_seq = num(m, "first_seq");
  check.last_seq = num(m, "last_seq");
  check.count = num(m, "count");

  // 2. The rows of events.jsonl: exactly first_seq..last_seq, one unbroken chain. Checked
  // before the digests so that a changed row is named by its seq, not only by a digest.
  auto events_text = slurp(dir / kEvents);
  if (!events_text) {
    check.problems.push_back(events_text.error().message);
  } else if (auto events = parse_jsonl(*events_text); !events) {
    check.problems.push_back(std::string(kEvents) + ": " + events.error().message +
                             " (line N holds event " + std::to_string(check.first_seq) +
                             " + N - 1 in an unchanged pack)");
  } else {
    VerifyOptions vo;
    vo.run_id = check.run_id;
    vo.trusted_public_key = trusted_public_key;
    vo.first_seq = check.first_seq;
    vo.first_prev_hash = str(m, "first_prev_hash");
    vo.anchors.push_back(Anchor{"the signed manifest", check.last_seq, str(m, "head_hash"), 0});
    ChainVerifier verifier(vo);
    for (const auto& e : *events) {
      if (!verifier.feed(e)) break;
    }
    check.chain = verifier.finish();
    if (check.chain.problem) {
      const Problem& p = *check.chain.problem;
      check.problems.push_back(std::string(kEvents) + ": event " + std::to_string(p.seq) + ": " +
                               std::string(problem_name(p.kind)) + ": " + p.detail);
    } else if (check.chain.last_seq != check.last_seq || check.chain.events != check.count) {
      check.problems.push_back(
          std::string(kEvents) + ": holds events " + std::to_string(check.chain.first_seq) + ".." +
          std::to_string(check.chain.last_seq) + " (" + std::to_string(check.chain.events) +
          "), the manifest says " + std::to_string(check.first_seq) + ".." +
          std::to_string(check.last_seq) + " (" + std::to_string(check.count) + ")");
    }
  }

  // 3. Every file's digest.
  const auto* files = m.as_object().if_contains("files");
  bool events_listed = false;
  for (const auto& f :
       files != nullptr && files->is_array() ? files->as_array() : boost::json::array{}) {
    if (!f.is_object()) continue;
    std::string name = str(f, "name");
    if (name.empty() || name.find('/') != std::string::npos || name == "..") {
      check.problems.push_back("manifest.json lists an invalid file name '" + name + "'");
      continue;
    }
    events_listed = events_listed || name == kEvents;
    auto contents = slurp(dir / name);
    if (!contents) {
      check.problems.push_back(name + ": missing");
    } else if (api::sha256_hex(*contents) != str(f, "sha256")) {
      check.problems.push_back(name + ": SHA-256 differs from the signed manifest (changed)");
    }
  }
  if (!events_listed) check.problems.push_back("manifest.json does not list events.jsonl");
  return check;
}

std::string describe(const PackCheck& c) {
  std::string out = "pack of run " + c.run_id + ": events " + std::to_string(c.first_seq) + ".." +
                    std::to_string(c.last_seq) + " (" + std::to_string(c.count) +
                    "), manifest signed by key " + c.key_fingerprint +
                    (c.signature_ok ? " (signature valid)" : " (signature INVALID)") + "\n";
  if (c.ok()) {
    out += "pack intact: signature, every digest and the chain of events.jsonl check out\n";
    out += "seals in the pack: " + std::to_string(c.chain.seals) + " valid";
    for (const auto& k : c.chain.key_fingerprints)
      out += ", key " + k;
    out += "\n";
    if (c.chain.first_unsealed_seq) {
      out += "note: the run's events from " + std::to_string(*c.chain.first_unsealed_seq) +
             " are not sealed (the run was packed while running, or it crashed)\n";
    }
    return out;
  }
  out += "PACK NOT INTACT:\n";
  for (const auto& p : c.problems)
    out += "  " + p + "\n";
  return out;
}

}  // namespace tcplan::audit
