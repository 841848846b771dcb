// The Tencent Cloud API 3.0 client: one signed POST per call() (retries belong to the
// executor, and every attempt is signed afresh with its own X-TC-Timestamp), the response
// parsed into the Response object or an ApiError, and a CallObserver told about every attempt
// so the audit trail sees each request before it leaves and each answer as it arrives.
#pragma once

#include <atomic>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "api/api_error.h"
#include "api/credential_source.h"
#include "api/credentials.h"
#include "api/transport.h"
#include "base/result.h"

namespace tcplan::api {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct CallRequest {
  std::string service;  // "emr", "cvm", "ecm": the credential-scope service
  std::string action;
  std::string version;  // empty: the catalog's version for this action/service
  std::string region;   // empty: the client's default region
  boost::json::object params;
};

struct CallResponse {
  boost::json::object response;  // Response, including RequestId
  std::string request_id;
  int http_status = 0;
  double latency_ms = 0;
};

// One attempt as sent: everything an audit row needs.
struct Attempt {
  std::string service, action, version, region;
  std::string url;             // the endpoint URL
  std::string host;            // the Host header
  Headers headers;             // as sent, Authorization included (see redacted_headers)
  std::string body;            // the exact signed bytes
  std::string client_token;    // params.ClientToken when present
  std::int64_t timestamp = 0;  // X-TC-Timestamp
  std::chrono::system_clock::time_point sent_at;

  // Headers as they may be shown (base/redact.h): the Authorization signature and X-TC-Token
  // replaced by "[REDACTED]"; the credential (SecretId/date/service) and SignedHeaders stay.
  Headers redacted_headers() const;
};

// What came back for an attempt (or the transport failure in its place).
struct Outcome {
  int http_status = 0;     // 0 when no HTTP response arrived
  std::string body;        // raw response body (may be empty)
  std::string request_id;  // empty when no server answered
  std::string error_code;  // empty on success
  std::string error_message;
  bool maybe_sent = false;  // transport failures: may the request have reached the server
  double latency_ms = 0;
  std::chrono::system_clock::time_point received_at;
};

// Told about every attempt. before_send runs after signing and before any byte leaves; an
// error from it cancels the attempt (ClientError.NotSent), which is how "recorded before
// sent" is enforced. Called from whichever thread makes the call.
class CallObserver {
 public:
  virtual ~CallObserver() = default;
  virtual base::Status<base::Error> before_send(const Attempt& attempt) = 0;
  virtual void after_receive(const Attempt& attempt, const Outcome& outcome) = 0;
};

struct ClientOptions {
  // A URL replacing the default host for every service ("http://127.0.0.1:PORT",
  // "https://emr.internal.example/"). The credential-scope service stays the real one.
  std::string endpoint;
  // Without an endpoint: use <service>.<region>.tencentcloudapi.com instead of the nearest
  // <service>.tencentcloudapi.com.
  bool regional_host = false;
  std::string region;  // default when a CallRequest names none
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{60'000};
  std::string user_agent = std::string("tcplan/") + TCPLAN_VERSION;
  // Unix seconds for X-TC-Timestamp; tests inject a clock to exercise signature expiry.
  std::function<std::int64_t()> now_seconds;
  // When set and true, calls in flight are abandoned within about a second (HttpRequest).
  const std::atomic<bool>* cancel = nullptr;
};

class Client {
 public:
  // Registers the SecretKey and session token with base::process_redactor(): from here on
  // no log line, error message or trail row can carry them.
  Client(Credentials credentials, ClientOptions options);
  // Signs every attempt with one snapshot from `source`. A request the cloud refuses with
  // AuthFailure.TokenFailure (or a temporary SecretId it no longer knows) is signed again with
  // a refreshed snapshot and sent once more: such a refusal is a definite "nothing happened"
  // (the re-send rule's kRefused), so even a write may go again. No valid credentials at all:
  // ClientError.CredentialsUnavailable, nothing sent.
  Client(std::shared_ptr<CredentialSource> source, ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // One attempt. Thread-safe: the executor's workers share one Client. `observer` overrides
  // the default observer for this call.
  base::Result<CallResponse, ApiError> call(const CallRequest& request,
                                            CallObserver* observer = nullptr) const;

  void set_default_observer(std::shared_ptr<CallObserver> observer) {
    default_observer_ = std::move(observer);
  }
  const ClientOptions& options() const { return options_; }
  CredentialSource& credential_source() const { return *source_; }

  // The URL a call to `service` goes to, and the version used when a request names none.
  std::string endpoint_for(const std::string& service, const std::string& region) const;
  static std::string default_version(const std::string& service, const std::string& action);

 private:
  base::Result<CallResponse, ApiError> attempt(const CallRequest& request, CallObserver* observer,
                                               const Credentials& credentials) const;

  std::shared_ptr<CredentialSource> source_;
  ClientOptions options_;
  std::shared_ptr<CallObserver> default_observer_;
  std::unique_ptr<Transport> transport_;
};

// Parses a response body as the cloud writes it: {"Response": {..., "RequestId"}} on success,
// Response.Error on failure, ClientError.ParseJson / ClientError.HttpStatus otherwise.
base::Result<CallResponse, ApiError> parse_response(int http_status, std::string_view body);

}  // namespace tcplan::api
