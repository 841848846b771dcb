// What every action handler gets: the state (inside the call's transaction), the verified call,
// the options, and the emulator time the call happens at. Also the handler table's signature.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>

#include "emulator/cloud.h"
#include "emulator/cloud/state_store.h"

namespace tcplan::emulator::cloud {

struct Context {
  StateStore& db;
  const ApiCall& call;
  const CloudOptions& options;
  std::int64_t now;
  // Set by actions that create resources, for the ClientToken tally in /_emulator/state.
  std::int64_t resources_created = 0;
  const boost::json::object& params() const { return call.params; }
};

using Handler = ApiReply (*)(Context&);

inline ApiReply fail(std::string code, std::string message) {
  return ApiReply::error(std::move(code), std::move(message));
}

inline ApiReply ok(boost::json::object response) {
  ApiReply r;
  r.response = std::move(response);
  return r;
}

}  // namespace tcplan::emulator::cloud
