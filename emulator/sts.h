// The emulator's temporary credentials: STS AssumeRole (sts.tencentcloudapi.com, 2018-08-13)
// and the CVM metadata service's instance-role endpoints. Both issue key pairs with a token and
// an expiry in emulator time into the front's KeyStore, which then refuses them once expired
// (AuthFailure.TokenFailure) — so a test moves the clock with POST /_emulator/advance instead
// of waiting an hour. Knobs (an outage, the role, the metadata lifetime) are control-path only.
#pragma once

#include <atomic>
#include <boost/json/object.hpp>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/cloud.h"
#include "emulator/key_store.h"

namespace tcplan::emulator {

inline constexpr const char* kStsVersion = "2018-08-13";
inline constexpr std::int64_t kStsDefaultSeconds = 7200;
inline constexpr std::int64_t kStsMaxSeconds = 43200;
inline constexpr const char* kDefaultInstanceRole = "tcplan-emulator-cvm-role";

struct StsKnobs {
  bool outage = false;                      // AssumeRole: InternalError.SystemError; metadata: 500
  std::string role = kDefaultInstanceRole;  // the instance's role; empty: none bound (404)
  std::int64_t metadata_lifetime_s = 7200;
  // AssumeRole fails like an outage once it has issued this many credentials; -1: never. An
  // outage that begins mid-run, without the test having to catch the moment.
  std::int64_t fail_after = -1;
};

class Sts {
 public:
  explicit Sts(KeyStore& keys) : keys_(keys) {}

  // sts AssumeRole: `params` the JSON body. Errors are STS's documented codes.
  ApiReply assume_role(const boost::json::object& params, std::int64_t now_ms);

  // GET /latest/meta-data/cam/security-credentials/[ROLE]: status and body (text or JSON).
  struct MetadataAnswer {
    int status = 200;
    std::string content_type = "text/plain";
    std::string body;
  };
  MetadataAnswer metadata(std::string_view path, std::int64_t now_ms);

  // POST /_emulator/sts?outage=0|1&fail_after=N&role=NAME&metadata_lifetime_s=N; unknown keys
  // are errors.
  // Returns the knobs after the change, or an error message.
  bool configure(std::string_view key, std::string_view value, std::string* error);
  StsKnobs knobs() const;
  // Every pair issued so far (the last 1000), for POST /_emulator/sts?reveal=1: a canary test
  // looks for their secrets in tcplan's output. Behind the control token, like the state.
  std::vector<KeyPair> issued_pairs() const;
  std::int64_t issued() const { return issued_.load(); }

 private:
  KeyPair issue(std::int64_t lifetime_s, std::int64_t now_ms);

  KeyStore& keys_;
  mutable std::mutex mu_;
  StsKnobs knobs_;
  std::atomic<std::int64_t> issued_{0};
  std::vector<KeyPair> issued_pairs_;  // guarded by mu_
  std::atomic<std::int64_t> assumed_{0};
};

// "Sun, 06 Dec 2026 13:40:26 GMT" for Unix ms: the Date header of the emulator's answers, in
// emulator time, from which clients read the cloud's clock.
std::string http_date(std::int64_t unix_ms);

}  // namespace tcplan::emulator
