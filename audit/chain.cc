// Canonical bytes and chain hashing (format in chain.h).
#include "audit/chain.h"

#include <openssl/evp.h>

#include <array>
#include <memory>
#include <stdexcept>

#include "api/hash.h"
#include "base/hex.h"

namespace tcplan::audit {
namespace {

void put(std::string& out, std::string_view bytes) {
  out += std::to_string(bytes.size());
  out += ':';
  out += bytes;
  out += '\n';
}

void put(std::string& out, std::int64_t value) {
  put(out, std::to_string(value));
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // uppercase is not canonical: it must not verify either
}

// raw(prev): the 32 bytes behind 64 hex digits, or the text itself when it is not well formed.
std::string raw_hash(std::string_view hex) {
  if (hex.size() != 64) return std::string(hex);
  std::string raw(32, '\0');
  for (size_t i = 0; i < 32; ++i) {
    int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::string(hex);
    raw[i] = static_cast<char>(hi * 16 + lo);
  }
  return raw;
}

}  // namespace

std::string canonical_bytes(const Event& e) {
  std::string out;
  out.reserve(256 + e.payload.size());
  out += kChainVersion;
  out += '\n';
  put(out, e.seq);
  put(out, e.time_ms);
  put(out, kind_name(e.kind));
  put(out, e.run_id);
  put(out, e.step_id);
  put(out, e.item);
  put(out, e.attempt);
  put(out, e.service);
  put(out, e.action);
  put(out, e.version);
  put(out, e.region);
  put(out, e.endpoint);
  put(out, e.request_id);
  put(out, e.client_token);
  put(out, e.error_code);
  put(out, e.http_status);
  put(out, e.latency_us);
  put(out, e.operator_user);
  put(out, e.operator_host);
  put(out, e.tool_version);
  put(out, e.payload);
  return out;
}

std::string chain_hash(std::string_view prev_hash_hex, const Event& e) {
  // verify hashes a million rows: fetch the digest once (OpenSSL 3's implicit fetch per
  // EVP_sha256() call is costly) and reuse one context and buffer per thread.
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                           EVP_MD_CTX_free);
  thread_local std::string body;
  if (sha256 == nullptr || ctx == nullptr) throw std::runtime_error("OpenSSL SHA-256 unavailable");
  std::string prev = raw_hash(prev_hash_hex);
  body = canonical_bytes(e);
  std::array<unsigned char, 32> digest{};
  unsigned int len = 0;
  bool ok = EVP_DigestInit_ex(ctx.get(), sha256, nullptr) == 1 &&
            EVP_DigestUpdate(ctx.get(), prev.data(), prev.size()) == 1 &&
            EVP_DigestUpdate(ctx.get(), body.data(), body.size()) == 1 &&
            EVP_DigestFinal_ex(ctx.get(), digest.data(), &len) == 1;
  if (!ok) throw std::runtime_error("SHA-256 failed");
  return base::to_hex(std::string_view(reinterpret_cast<const char*>(digest.data()), 32));
}

}  // namespace tcplan::audit
