// API responses: the first two bytes pick the HTTP status, the rest is the body. Whatever a
// server (or anything between it and us) sends, parse_response gives either a Response with
// its RequestId or an error with a code, the classes and re-send decisions agree, and nothing
// that came back over the wire reads as "the request never left".
#include <boost/json/parse.hpp>

#include "api/api_error.h"
#include "api/client.h"
#include "fuzz/fuzz_check.h"

namespace api = tcplan::api;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const int status = 100 + (data[0] | (data[1] << 8)) % 500;
  const std::string_view body = tcplan::fuzz::as_text(data + 2, size - 2);
  auto parsed = api::parse_response(status, body);
  if (parsed.ok()) {
    FUZZ_CHECK(status == 200, body);
    FUZZ_CHECK(parsed->response.if_contains("Error") == nullptr, body);
    FUZZ_CHECK(parsed->http_status == 200);
    if (auto* id = parsed->response.if_contains("RequestId"); id != nullptr && id->is_string())
      FUZZ_CHECK(parsed->request_id == std::string_view(id->get_string()), body);
    return 0;
  }
  const api::ApiError& e = parsed.error();
  FUZZ_CHECK(!e.code.empty(), body);
  FUZZ_CHECK(e.http_status == status, body);
  (void)e.to_string();
  const api::ErrorClass c = api::classify(e);
  (void)api::to_string(c);
  for (bool mutating : {false, true}) {
    for (bool token : {false, true}) {
      const api::Resend r = api::resend_decision(e, mutating, token);
      (void)api::to_string(r);
      if (c == api::ErrorClass::kPermanent) FUZZ_CHECK(r == api::Resend::kNever, e.code);
      if (c == api::ErrorClass::kThrottled || c == api::ErrorClass::kBusy)
        FUZZ_CHECK(r == api::Resend::kSafe, e.code);
    }
  }
  // An answer arrived, so the request was sent. A client-side code here (no server answer
  // in API form) must never read as "certainly not sent": a write without a ClientToken is
  // read back before any re-send. (Server codes such as ServiceUnavailable say the server
  // refused the call, which classify() trusts.)
  if (c == api::ErrorClass::kTransient && e.code.rfind("ClientError.", 0) == 0)
    FUZZ_CHECK(api::resend_decision(e, true, false) == api::Resend::kAfterReadBack,
               e.code + " from the wire would be re-sent blindly");
  return 0;
}
