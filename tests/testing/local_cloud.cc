#include "tests/testing/local_cloud.h"

#include <curl/curl.h>

#include <boost/json.hpp>
#include <stdexcept>

#include "emulator/local_emulator.h"

namespace tcplan::testing {

namespace json = boost::json;

namespace {

std::size_t append(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// A plain HTTP exchange with the emulator's control paths (they are not signed API calls).
std::string http(const std::string& method, const std::string& url, const std::string& token) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) throw std::runtime_error("curl_easy_init failed");
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
  const std::string header = "X-Emulator-Token: " + token;
  curl_slist* headers = curl_slist_append(nullptr, header.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) throw std::runtime_error(url + ": " + curl_easy_strerror(rc));
  if (status != 200)
    throw std::runtime_error(url + ": HTTP " + std::to_string(status) + " " + body);
  return body;
}

emulator::LocalEmulatorOptions emulator_options(const LocalCloudOptions& o) {
  emulator::LocalEmulatorOptions options;
  options.server.address = "127.0.0.1";
  options.server.port = 0;
  options.state_file = o.state_file;
  options.time_scale = o.time_scale;
  options.fixture_file = o.fixture;
  options.faults_file = o.faults;
  options.rate_limits = o.rate_limits;
  options.seed = o.seed;
  return options;
}

}  // namespace

LocalCloud::LocalCloud(LocalCloudOptions options) : options_(std::move(options)) {
  emulator_ = emulator::LocalEmulator::start(emulator_options(options_));
  url_ = emulator_->url();
}

LocalCloud::~LocalCloud() {
  if (emulator_) emulator_->stop();
}

json::value LocalCloud::state() const {
  return json::parse(http("GET", url_ + "/_emulator/state", emulator_->control_token()));
}

void LocalCloud::advance_ms(std::int64_t ms) const {
  http("POST", url_ + "/_emulator/advance?ms=" + std::to_string(ms), emulator_->control_token());
}

json::value LocalCloud::control(const std::string& path_and_query) const {
  return json::parse(
      http("POST", url_ + "/_emulator/" + path_and_query, emulator_->control_token()));
}

void LocalCloud::restart() {
  if (options_.state_file.empty()) throw std::logic_error("restart needs a state file");
  emulator_->stop();
  emulator_.reset();
  // The fixture seeds an empty state only; faults are the test's to keep or drop.
  LocalCloudOptions again = options_;
  again.fixture.clear();
  emulator_ = emulator::LocalEmulator::start(emulator_options(again));
  url_ = emulator_->url();
}

ProcessResult run_tcplan_against(const LocalCloud& cloud, const std::filesystem::path& audit_db,
                                 const std::vector<std::string>& args, const RunOptions& options) {
  std::vector<std::string> all{"--endpoint",   cloud.url(),      "--region",
                               "ap-guangzhou", "--time-scale",   std::to_string(cloud.time_scale()),
                               "--audit-db",   audit_db.string()};
  all.insert(all.end(), args.begin(), args.end());
  RunOptions o = options;
  // The local key pair is used when no credentials are found: make sure none are.
  for (const char* v : {"TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_TOKEN",
                        "TENCENTCLOUD_CREDENTIALS_FILE"})
    o.unset_env.push_back(v);
  if (!o.env.count("HOME") && !o.cwd.empty()) o.env["HOME"] = o.cwd.string();
  return run_tcplan(all, o);
}

StateCounts count_state(const json::value& state) {
  StateCounts counts;
  for (const auto& c : state.at("Clusters").as_array()) {
    if (c.at("Terminated").as_bool()) continue;
    ++counts.clusters;
    counts.nodes += c.at("Nodes").as_array().size();
  }
  for (const auto& i : state.at("Instances").as_array()) {
    if (i.at("InstanceState").as_string() != "TERMINATED") ++counts.instances;
  }
  for (const auto& t : state.at("ClientTokens").as_array()) {
    // A scale-out token's ResourcesCreated counts the nodes it added, not creations.
    const auto& action = t.at("Action").as_string();
    if (action != "CreateCluster" && action != "CreateInstance") continue;
    auto n = static_cast<std::size_t>(t.at("ResourcesCreated").to_number<std::int64_t>());
    counts.max_resources_per_token = std::max(counts.max_resources_per_token, n);
  }
  return counts;
}

}  // namespace tcplan::testing
