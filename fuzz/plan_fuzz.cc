// Plan files: TOML bytes -> parse -> validate. A plan that validates is previewed offline
// (every cloud read fails, as with no network), written in the saved-plan form that
// `tcplan plan --out` writes, and read back the way `tcplan apply SAVED` reads it: the saved
// form must name the same plan digest and hold a preview with no difference from a fresh one.
#include <unistd.h>

#include <boost/json/serialize.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "executor/saved_plan.h"
#include "fuzz/fuzz_check.h"
#include "planner/parse.h"
#include "planner/preview.h"
#include "planner/preview_render.h"
#include "planner/validate.h"

namespace {

namespace planner = tcplan::planner;

class OfflineReader : public planner::CloudReader {
 public:
  tcplan::base::Result<boost::json::object, tcplan::api::ApiError> call(
      const std::string& service, const std::string& action, const std::string&,
      const std::string& region, const boost::json::object&) override {
    tcplan::api::ApiError e;
    e.code = tcplan::api::kNetworkError;
    e.message = "offline";
    e.service = service;
    e.action = action;
    e.region = region;
    return e;
  }
};

const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    auto d =
        std::filesystem::temp_directory_path() / ("tcplan-plan-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  planner::Diagnostics diags("fuzz.toml", text);
  auto plan = planner::parse_plan("fuzz.toml", text, diags);
  if (!plan) {
    FUZZ_CHECK(diags.has_errors(), "a document that is not TOML must say why");
    return 0;
  }
  planner::ValidateOptions options;
  options.env_defined = [](std::string_view name) { return name.rfind("SET_", 0) == 0; };
  planner::validate_plan(*plan, diags, options);
  for (const auto& d : diags.all())
    FUZZ_CHECK(!diags.headline(d).empty());
  (void)diags.render();
  if (diags.has_errors()) return 0;

  OfflineReader reader;
  planner::PreviewOptions preview_options;
  preview_options.now = [] {
    return std::chrono::system_clock::time_point(std::chrono::hours(480'000));
  };
  const planner::Preview preview = planner::preview_plan(*plan, reader, preview_options);
  const boost::json::object fresh = planner::preview_json(preview, *plan);
  FUZZ_CHECK(fresh == planner::preview_json(preview, *plan), "preview_json is not deterministic");
  (void)planner::render_table(preview);
  (void)planner::render_markdown(preview);

  const auto saved_path = scratch_dir() / "saved.json";
  auto written = planner::write_saved_plan(saved_path, preview, *plan);
  FUZZ_CHECK(written.ok(), written.ok() ? "" : written.error().message);
  std::ifstream in(saved_path, std::ios::binary);
  std::ostringstream saved_text;
  saved_text << in.rdbuf();
  FUZZ_CHECK(tcplan::executor::looks_like_saved_plan(saved_text.str()));
  auto saved = tcplan::executor::parse_saved_plan(saved_text.str());
  FUZZ_CHECK(saved.ok(), saved.ok() ? "" : saved.error().message);
  FUZZ_CHECK(saved->plan_sha256 == plan->sha256);
  FUZZ_CHECK(saved->fetched_at == preview.fetched_at);
  const auto differences = tcplan::executor::compare_previews(saved->preview, fresh, 0.0);
  FUZZ_CHECK(differences.empty(), differences.empty() ? "" : differences.front());
  return 0;
}
