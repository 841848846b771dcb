// classify / is_ambiguous / resend_decision: an explicit table of the codes that matter, and
// every common error code and every documented code of every action in the built-in catalog,
// each checked against the written rules (api_error.cc) so that a code added to the catalog
// cannot silently land in the wrong class.
#include "api/api_error.h"

#include <gtest/gtest.h>

#include <set>
#include <string_view>

#include "api/catalog.h"

namespace tcplan::api {
namespace api_error_test {

ApiError err(std::string code, int http_status = 200) {
  ApiError e;
  e.code = std::move(code);
  e.http_status = http_status;
  return e;
}

struct Row {
  const char* code;
  ErrorClass expected;
};

TEST(Classify, KeyCodes) {
  const Row rows[] = {
      {"RequestLimitExceeded", ErrorClass::kThrottled},
      {"RequestLimitExceeded.UinLimitExceeded", ErrorClass::kThrottled},
      {"RequestLimitExceeded.IPLimitExceeded", ErrorClass::kThrottled},
      {"RequestLimitExceeded.GlobalRegionUinLimitExceeded", ErrorClass::kThrottled},
      {"LimitExceeded.RequestBacklogExceedsLimit", ErrorClass::kThrottled},
      {"ResourceInUse", ErrorClass::kBusy},
      {"ResourceInUse.InstanceInProcess", ErrorClass::kBusy},
      {"ResourceInUse.InstanceInProgress", ErrorClass::kBusy},
      {"OperationDenied.InstanceOperationInProgress", ErrorClass::kBusy},
      {"MutexOperation.TaskRunning", ErrorClass::kBusy},
      {"UnsupportedOperation.InstanceStatePending", ErrorClass::kBusy},
      {"UnsupportedOperation.InstanceStateTerminating", ErrorClass::kPermanent},
      {"UnsupportedOperation.InstanceStateTerminated", ErrorClass::kPermanent},
      {"InternalError", ErrorClass::kTransient},
      {"InternalError.WoodServerError", ErrorClass::kTransient},
      {"InternalServerError", ErrorClass::kTransient},
      {"InternalServerError.CvmError", ErrorClass::kTransient},
      {"InternalError.CheckQuotaErr", ErrorClass::kPermanent},
      {"ServiceUnavailable", ErrorClass::kTransient},
      {"ResourceUnavailable", ErrorClass::kTransient},
      {"ResourceUnavailable.ResourceSpecNotDefaultSpec", ErrorClass::kPermanent},
      {"ClientError.NetworkError", ErrorClass::kTransient},
      {"ClientError.Timeout", ErrorClass::kTransient},
      {"ClientError.ParseJson", ErrorClass::kTransient},
      {"ClientError.ResponseTooLarge", ErrorClass::kPermanent},
      {"ClientError.InvalidRequest", ErrorClass::kPermanent},
      {"ClientError.NotSent", ErrorClass::kPermanent},
      {"InvalidParameter", ErrorClass::kPermanent},
      {"InvalidParameter.InvalidClientToken", ErrorClass::kPermanent},
      {"InvalidParameterValue", ErrorClass::kPermanent},
      {"MissingParameter", ErrorClass::kPermanent},
      {"UnknownParameter", ErrorClass::kPermanent},
      {"AuthFailure.SignatureFailure", ErrorClass::kPermanent},
      {"AuthFailure.SignatureExpire", ErrorClass::kPermanent},
      {"UnauthorizedOperation", ErrorClass::kPermanent},
      {"UnauthorizedOperation.CheckCamAuth", ErrorClass::kPermanent},
      {"ResourceNotFound.InstanceNotFound", ErrorClass::kPermanent},
      {"FailedOperation.DuplicateOrderNotAllowed", ErrorClass::kPermanent},
      {"ResourceInsufficient.InstanceInsufficient", ErrorClass::kPermanent},
      {"LimitExceeded", ErrorClass::kPermanent},
      {"InvalidAction", ErrorClass::kPermanent},
      {"NoSuchVersion", ErrorClass::kPermanent},
      // Prefix matching is by whole segments: lookalikes are not in the family.
      {"RequestLimitExceededFoo", ErrorClass::kPermanent},
      {"ResourceInUseX", ErrorClass::kPermanent},
      {"InternalErrorish", ErrorClass::kPermanent},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(classify(err(row.code)), row.expected)
        << row.code << " classified " << to_string(classify(err(row.code)));
  }
}

TEST(Classify, HttpStatusWithoutBodyDependsOnStatus) {
  EXPECT_EQ(classify(err(kHttpStatus, 502)), ErrorClass::kTransient);
  EXPECT_EQ(classify(err(kHttpStatus, 503)), ErrorClass::kTransient);
  EXPECT_EQ(classify(err(kHttpStatus, 429)), ErrorClass::kThrottled);
  EXPECT_EQ(classify(err(kHttpStatus, 404)), ErrorClass::kPermanent);
  EXPECT_EQ(classify(err(kHttpStatus, 403)), ErrorClass::kPermanent);
}

// The rules of api_error.cc, restated independently of its code.
ErrorClass by_the_rules(std::string_view code) {
  auto family = [&](std::string_view f) {
    return code == f ||
           (code.size() > f.size() && code.substr(0, f.size() + 1) == std::string(f) + ".");
  };
  static const std::set<std::string_view> busy = {
      "OperationDenied.InstanceOperationInProgress",
      "MutexOperation.TaskRunning",
      "InvalidParameter.ActionInProgress",
      "UnsupportedOperation.InstanceStatePending",
      "UnsupportedOperation.InstanceStateStarting",
      "UnsupportedOperation.InstanceStateStopping",
      "UnsupportedOperation.InstanceStateRebooting",
      "UnsupportedOperation.InstanceStateIsolating",
      "UnsupportedOperation.InstanceStateEnterRescueMode",
      "UnsupportedOperation.InstanceStateExitRescueMode",
      "UnsupportedOperation.InstanceStateEnterServiceLiveMigrate",
      "UnsupportedOperation.InstanceStateExitServiceLiveMigrate"};
  if (family("RequestLimitExceeded") || code == "LimitExceeded.RequestBacklogExceedsLimit") {
    return ErrorClass::kThrottled;
  }
  if (family("ResourceInUse") || family("ResourceBusy") || busy.count(code))
    return ErrorClass::kBusy;
  if ((family("InternalError") || family("InternalServerError")) &&
      code.find("CheckQuotaErr") == std::string_view::npos) {
    return ErrorClass::kTransient;
  }
  if (family("ServiceUnavailable") || code == "ResourceUnavailable") return ErrorClass::kTransient;
  return ErrorClass::kPermanent;
}

TEST(Classify, EveryCommonCodeInTheCatalog) {
  const Catalog& catalog = Catalog::builtin();
  // The vendor's two common lists together hold 39 codes (docs/cloud-api.md, "Responses and
  // errors").
  ASSERT_GE(catalog.common_errors().size(), 30u);
  for (const auto& code : catalog.common_errors()) {
    EXPECT_EQ(classify(err(code)), by_the_rules(code)) << code;
    EXPECT_FALSE(is_ambiguous(err(code))) << code << ": a server answer is never ambiguous";
  }
}

TEST(Classify, EveryCodeOfEveryCatalogAction) {
  const Catalog& catalog = Catalog::builtin();
  std::size_t checked = 0;
  for (const auto& action : catalog.actions()) {
    for (const auto& code : action.errors) {
      SCOPED_TRACE(action.service + " " + action.action);
      EXPECT_EQ(classify(err(code)), by_the_rules(code)) << code;
      ++checked;
    }
  }
  // Every seed action documents its codes; an empty catalog would make this test vacuous.
  EXPECT_GT(checked, 0u);
}

TEST(Classify, SeedCodesThatDriveTheExecutor) {
  // The codes that drive retries (docs/cloud-api.md, "Retries and busy clusters"), wherever
  // the catalog documents them.
  const Catalog& catalog = Catalog::builtin();
  std::set<std::string> all(catalog.common_errors().begin(), catalog.common_errors().end());
  for (const auto& a : catalog.actions())
    all.insert(a.errors.begin(), a.errors.end());
  for (const auto& [code, cls] : std::vector<std::pair<std::string, ErrorClass>>{
           {"ResourceInUse.InstanceInProcess", ErrorClass::kBusy},
           {"RequestLimitExceeded", ErrorClass::kThrottled},
           {"InternalError", ErrorClass::kTransient},
           {"AuthFailure.SignatureFailure", ErrorClass::kPermanent}}) {
    EXPECT_TRUE(all.count(code)) << code << " missing from the catalog";
    EXPECT_EQ(classify(err(code)), cls) << code;
  }
}

TEST(Ambiguous, TransportFailures) {
  EXPECT_TRUE(is_ambiguous(err(kTimeout, 0)));
  ApiError connect = err(kNetworkError, 0);
  EXPECT_FALSE(is_ambiguous(connect)) << "connect failures never sent the request";
  ApiError reset = err(kNetworkError, 0);
  reset.maybe_sent = true;
  EXPECT_TRUE(is_ambiguous(reset));
  EXPECT_TRUE(is_ambiguous(err(kHttpStatus, 502)));
  EXPECT_FALSE(is_ambiguous(err(kHttpStatus, 404)));
  EXPECT_TRUE(is_ambiguous(err(kParseJson)));
  EXPECT_TRUE(is_ambiguous(err(kResponseTooLarge)));
  EXPECT_FALSE(is_ambiguous(err(kInvalidRequest, 0)));
  EXPECT_FALSE(is_ambiguous(err(kNotSent, 0)));
  EXPECT_FALSE(is_ambiguous(err("InternalError")));
  EXPECT_FALSE(is_ambiguous(err("ResourceInUse.InstanceInProcess")));
}

TEST(Resend, DecisionTable) {
  ApiError timeout = err(kTimeout, 0);
  ApiError refused = err(kNetworkError, 0);
  // Throttled and busy: refused before anything happened.
  EXPECT_EQ(resend_decision(err("RequestLimitExceeded"), true, false), Resend::kSafe);
  EXPECT_EQ(resend_decision(err("ResourceInUse.InstanceInProcess"), true, false), Resend::kSafe);
  // Permanent: never.
  EXPECT_EQ(resend_decision(err("InvalidParameter"), false, false), Resend::kNever);
  EXPECT_EQ(resend_decision(err("AuthFailure.SignatureFailure"), true, true), Resend::kNever);
  // Transient on a read: always safe.
  EXPECT_EQ(resend_decision(timeout, false, false), Resend::kSafe);
  // Transient on a write: safe with a ClientToken, else read back first if it may have happened.
  EXPECT_EQ(resend_decision(timeout, true, true), Resend::kSafe);
  EXPECT_EQ(resend_decision(timeout, true, false), Resend::kAfterReadBack);
  EXPECT_EQ(resend_decision(err(kHttpStatus, 503), true, false), Resend::kAfterReadBack);
  EXPECT_EQ(resend_decision(refused, true, false), Resend::kSafe) << "never left";
  EXPECT_EQ(resend_decision(err("ServiceUnavailable"), true, false), Resend::kSafe);
  EXPECT_EQ(resend_decision(err("InternalError"), true, false), Resend::kAfterReadBack);
  EXPECT_EQ(resend_decision(err("InternalError"), true, true), Resend::kSafe);
  EXPECT_TRUE(resend_is_safe(timeout, true, true));
  EXPECT_FALSE(resend_is_safe(timeout, true, false));
  EXPECT_STREQ(to_string(Resend::kAfterReadBack), "after-read-back");
}

TEST(ApiErrorText, ToStringHasCodeMessageAndRequestId) {
  ApiError e = err("ResourceInUse.InstanceInProcess");
  e.message = "The instance is under workflow.";
  e.request_id = "4d70";
  EXPECT_EQ(e.to_string(),
            "ResourceInUse.InstanceInProcess: The instance is under workflow. (RequestId 4d70)");
  ApiError t = err(kTimeout, 0);
  t.message = "Operation timed out";
  EXPECT_EQ(t.to_string(), "ClientError.Timeout: Operation timed out");
}

TEST(ApiErrorText, DuplicateOrder) {
  EXPECT_TRUE(is_duplicate_order(err("FailedOperation.DuplicateOrderNotAllowed")));
  EXPECT_FALSE(is_duplicate_order(err("FailedOperation")));
}

}  // namespace api_error_test
}  // namespace tcplan::api
