// Trail access events and the auditor pack (see pack.h).
#include "audit/pack.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "api/hash.h"
#include "audit/event_store.h"
#include "audit/export.h"
#include "audit/projection.h"
#include "audit/report_html.h"
#include "audit/verify.h"
#include "base/atomic_file.h"

namespace tcplan::audit {

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
                                               const std::string& trusted_public_key) {
  auto events = store.run_events(run_id);
  if (!events) return events.error();
  if (events->empty()) return base::Error{"no run " + run_id + " in " + store.path().string()};
  VerifyOptions vo;
  vo.run_id = run_id;
  vo.trusted_public_key = trusted_public_key;
  auto chain = verify_store(store, vo);
  if (!chain) return chain.error();

  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return base::Error{"creating " + dir.string() + ": " + ec.message()};

  std::vector<std::pair<std::string, std::string>> files = {
      {"events.jsonl", to_jsonl(*events)},
      {"events.csv", to_csv(*events)},
      {"report.html", render_html_report(project_run(*events), *events, *chain)},
  };
  std::vector<PackedFile> manifest;
  std::string sums;
  for (const auto& [name, contents] : files) {
    if (auto w = base::write_file_atomically(dir / name, contents); !w) return w.error();
    manifest.push_back(PackedFile{name, api::sha256_hex(contents), contents.size()});
    sums += manifest.back().sha256 + "  " + name + "\n";
  }
  if (auto w = base::write_file_atomically(dir / "SHA256SUMS", sums); !w) return w.error();

  boost::json::object details;
  details["command"] = "audit pack";
  details["dir"] = dir.string();
  details["chain_intact"] = chain->intact();
  boost::json::array list;
  for (const auto& f : manifest)
    list.push_back({{"file", f.name}, {"sha256", f.sha256}});
  details["files"] = list;
  auto recorded = record_trail_access(store, EventKind::kTrailExported, run_id,
                                      boost::json::serialize(details));
  if (!recorded) return recorded.error();
  return manifest;
}

}  // namespace tcplan::audit
