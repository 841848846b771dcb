// Ed25519 key file handling, signing and verification over OpenSSL 3 (see seal.h).
#include "audit/seal.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <system_error>

#include "api/hash.h"
#include "audit/location.h"
#include "base/atomic_file.h"
#include "base/hex.h"

namespace tcplan::audit {
namespace {

using PkeyPtr = std::shared_ptr<EVP_PKEY>;

PkeyPtr wrap(EVP_PKEY* key) {
  return PkeyPtr(key, EVP_PKEY_free);
}

base::Result<std::string> raw_public(EVP_PKEY* key) {
  unsigned char buf[32];
  size_t len = sizeof buf;
  if (EVP_PKEY_get_raw_public_key(key, buf, &len) != 1 || len != 32) {
    return base::Error{"reading the Ed25519 public key failed"};
  }
  return base::to_hex(std::string_view(reinterpret_cast<const char*>(buf), len));
}

base::Result<std::string> to_pem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return base::Error{"BIO_new failed"};
  bool ok = PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  std::string pem;
  if (ok) {
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    pem.assign(data, static_cast<size_t>(n));
  }
  BIO_free(bio);
  if (!ok) return base::Error{"encoding the seal key failed"};
  return pem;
}

}  // namespace

std::filesystem::path default_key_path(const std::string& location) {
  return side_file(location, ".key");
}

std::string seal_message(std::string_view run_id, std::int64_t counter, std::int64_t head_seq,
                         std::string_view head_hash, std::string_view prev_seal_hash) {
  std::string m(kSealFormat);
  m += '\n';
  m += run_id;
  m += '\n' + std::to_string(counter) + '\n' + std::to_string(head_seq) + '\n';
  m += head_hash;
  m += '\n';
  m += prev_seal_hash;
  m += '\n';
  return m;
}

std::string seal_message_v1(std::string_view run_id, std::int64_t head_seq,
                            std::string_view head_hash) {
  std::string m(kSealFormatV1);
  m += '\n';
  m += run_id;
  m += '\n';
  m += std::to_string(head_seq);
  m += '\n';
  m += head_hash;
  m += '\n';
  return m;
}

SealKey::SealKey(std::shared_ptr<EVP_PKEY> key, std::filesystem::path path)
    : key_(std::move(key)), path_(std::move(path)) {
  auto pub = raw_public(key_.get());
  if (pub) public_hex_ = *pub;
}

base::Result<SealKey> SealKey::load(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return base::Error{"seal key " + path.string() + " not found"};
  if ((st.st_mode & 077) != 0) {
    return base::Error{"seal key " + path.string() +
                       " is readable by other users (mode must be 0600): refusing to use it"};
  }
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return base::Error{"opening seal key " + path.string() + " failed"};
  EVP_PKEY* key = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_ED25519) {
    if (key != nullptr) EVP_PKEY_free(key);
    return base::Error{"seal key " + path.string() + " is not an Ed25519 PEM private key"};
  }
  return SealKey(wrap(key), path);
}

base::Result<SealKey> SealKey::load_or_create(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return load(path);
  if (std::filesystem::path dir = path.parent_path();
      !dir.empty() && !std::filesystem::exists(dir, ec)) {
    // A team store's keys live in the state directory: private to the operator.
    std::filesystem::create_directories(dir, ec);
    if (ec) return base::Error{"creating " + dir.string() + ": " + ec.message()};
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  }
  EVP_PKEY* key = nullptr;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr);
  bool ok = ctx != nullptr && EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_keygen(ctx, &key) == 1;
  EVP_PKEY_CTX_free(ctx);
  if (!ok) return base::Error{"generating an Ed25519 seal key failed"};
  PkeyPtr owned = wrap(key);
  auto pem = to_pem(key);
  if (!pem) return pem.error();
  // The whole key goes to a private temp name first (fsynced), then link(2) publishes it
  // only if `path` does not exist yet. A plain O_CREAT|O_EXCL open of `path` would be as
  // exclusive, but a loser could then read the winner's file before it is written.
  std::filesystem::path tmp = path.string() + ".new." + std::to_string(::getpid()) + "." +
                              std::to_string(reinterpret_cast<std::uintptr_t>(&owned));
  if (auto w = base::write_file_atomically(tmp, *pem, 0600); !w) return w.error();
  int linked = ::link(tmp.c_str(), path.c_str());
  int link_errno = errno;
  ::unlink(tmp.c_str());
  if (linked != 0) {
    if (link_errno == EEXIST) return load(path);  // another process created it first
    return base::Error{"creating seal key " + path.string() + ": " + std::strerror(link_errno)};
  }
  return SealKey(owned, path);
}

std::string SealKey::fingerprint() const {
  return key_fingerprint(public_hex_);
}

base::Result<std::string> SealKey::sign(std::string_view message) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char sig[64];
  size_t len = sizeof sig;
  bool ok = ctx != nullptr && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key_.get()) == 1 &&
            EVP_DigestSign(ctx, sig, &len, reinterpret_cast<const unsigned char*>(message.data()),
                           message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return base::Error{"Ed25519 signing failed"};
  return base::to_hex(std::string_view(reinterpret_cast<const char*>(sig), len));
}

std::string key_fingerprint(std::string_view public_key_hex) {
  auto raw = base::from_hex(public_key_hex);
  return api::sha256_hex(raw ? *raw : std::string(public_key_hex)).substr(0, 16);
}

bool verify_signature(std::string_view public_key_hex, std::string_view message,
                      std::string_view signature_hex) {
  auto pub = base::from_hex(public_key_hex);
  auto sig = base::from_hex(signature_hex);
  if (!pub || !sig || pub->size() != 32 || sig->size() != 64) return false;
  EVP_PKEY* key = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(pub->data()), 32);
  if (key == nullptr) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok =
      ctx != nullptr && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig->data()), 64,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return ok;
}

}  // namespace tcplan::audit
