#include "emulator/cloud/client_tokens.h"

#include <algorithm>
#include <boost/json.hpp>
#include <vector>

#include "api/hash.h"
#include "emulator/cloud/params.h"

namespace tcplan::emulator::cloud {

namespace json = boost::json;

namespace {

void canonical(const json::value& v, std::string& out) {
  if (v.is_object()) {
    std::vector<std::pair<std::string_view, const json::value*>> items;
    for (const auto& [k, x] : v.as_object())
      items.emplace_back(k, &x);
    std::sort(items.begin(), items.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    out += '{';
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i) out += ',';
      out += json::serialize(json::value(items[i].first));
      out += ':';
      canonical(*items[i].second, out);
    }
    out += '}';
  } else if (v.is_array()) {
    out += '[';
    bool first = true;
    for (const auto& x : v.as_array()) {
      if (!first) out += ',';
      first = false;
      canonical(x, out);
    }
    out += ']';
  } else {
    out += json::serialize(v);
  }
}

std::optional<std::string> token_of(const json::object& params) {
  auto t = opt_str(params, "ClientToken");
  if (!t || t->empty()) return std::nullopt;
  return t;
}

// EMR gives no format; CVM documents at most 64 ASCII characters (docs/cloud-api.md,
// "ClientToken"), which the emulator applies to every ClientToken.
bool well_formed_token(const std::string& t) {
  if (t.size() > 64) return false;
  return std::all_of(t.begin(), t.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

}  // namespace

std::string params_hash(const json::object& params) {
  json::object copy = params;
  copy.erase("ClientToken");
  std::string text;
  canonical(copy, text);
  return api::sha256_hex(text);
}

std::optional<ApiReply> check_client_token(Context& ctx) {
  auto token = token_of(ctx.params());
  if (!token) return std::nullopt;
  if (!well_formed_token(*token))
    return fail("InvalidParameter.InvalidClientToken",
                "ClientToken must be 1-64 printable ASCII characters.");
  // "Valid for 5 minutes" (EMR API, CreateCluster): older tokens are forgotten first.
  ctx.db.forget_tokens_before(ctx.now - kClientTokenTtlMs);
  auto record = ctx.db.token(*token);
  if (!record) return std::nullopt;
  // What a reused token with other parameters gets is undocumented; InvalidClientToken is the
  // only token code the docs list.
  if (record->action != ctx.call.action || record->params_hash != params_hash(ctx.params()))
    return fail("InvalidParameter.InvalidClientToken",
                "The ClientToken was already used with different parameters.");
  ctx.db.count_token_use(*token, ctx.call.action, 0);
  auto stored = json::parse(record->response);
  return ok(stored.is_object() ? stored.as_object() : json::object{});
}

void remember_client_token(Context& ctx, const ApiReply& reply, std::int64_t resources_created) {
  auto token = token_of(ctx.params());
  if (!token || !reply.ok()) return;
  ctx.db.put(TokenRecord{*token, ctx.call.action, params_hash(ctx.params()),
                         json::serialize(reply.response), ctx.now});
  ctx.db.count_token_use(*token, ctx.call.action, resources_created);
}

}  // namespace tcplan::emulator::cloud
