// A stand-in for the model of the cloud, for the front's tests: it records every call the
// front lets through and answers with a small fixed response (or a scripted error).
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "emulator/cloud.h"

namespace tcplan::emulator::testing {

class FakeCloud : public Cloud {
 public:
  ApiReply handle(const ApiCall& call) override {
    std::lock_guard lock(mu_);
    calls_.push_back(call);
    if (!error_code_.empty()) return ApiReply::error(error_code_, "");
    ApiReply reply;
    reply.response["TotalCnt"] = 0;
    reply.response["Echo"] = call.action;
    return reply;
  }
  boost::json::value state_json(std::int64_t now_ms) override {
    std::lock_guard lock(mu_);
    return boost::json::object{{"calls", calls_.size()}, {"now_ms", now_ms}};
  }
  std::int64_t now_ms() override { return kStartMs + advanced_ms_.load(); }
  void advance_clock(std::int64_t ms) override { advanced_ms_ += ms; }

  void fail_with(std::string code) {
    std::lock_guard lock(mu_);
    error_code_ = std::move(code);
  }
  std::vector<ApiCall> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  std::size_t call_count() const {
    std::lock_guard lock(mu_);
    return calls_.size();
  }

  static constexpr std::int64_t kStartMs = 1'700'000'000'000;

 private:
  mutable std::mutex mu_;
  std::vector<ApiCall> calls_;
  std::string error_code_;
  std::atomic<std::int64_t> advanced_ms_{0};
};

}  // namespace tcplan::emulator::testing
