#include "emulator/cloud/ids.h"

#include <stdexcept>

#include "api/catalog.h"

namespace tcplan::emulator::cloud {

std::uint64_t mix64(std::uint64_t x) {
  // splitmix64's finaliser: cheap, and every input bit affects every output bit.
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::string new_id(StateStore& db, std::string_view prefix, std::uint64_t seed) {
  static constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  for (;;) {
    auto n = static_cast<std::uint64_t>(db.next_counter("id_counter", 1));
    std::uint64_t h = mix64(seed ^ mix64(n));
    std::string id(prefix);
    for (int i = 0; i < 8; ++i) {
      id += kAlphabet[h % 36];
      h /= 36;
    }
    bool taken = db.cluster(id) || db.node_by_resource(id) || db.node_by_cvm(id) || db.instance(id);
    if (!taken) return id;
  }
}

namespace {

const api::IdFormat& catalog_id_format(std::string_view kind) {
  const api::IdFormat* f = api::Catalog::builtin().id_format(kind);
  if (f == nullptr) throw std::logic_error("no id format " + std::string(kind) + " in the catalog");
  return *f;
}

}  // namespace

bool well_formed_id(std::string_view id, std::string_view kind) {
  return catalog_id_format(kind).matches(id);
}

std::string id_pattern(std::string_view kind) {
  return catalog_id_format(kind).pattern;
}

double unit_hash(std::uint64_t seed, std::uint64_t a, std::uint64_t b) {
  std::uint64_t h = mix64(seed ^ mix64(a ^ mix64(b)));
  return static_cast<double>(h >> 11) / static_cast<double>(1ULL << 53);
}

}  // namespace tcplan::emulator::cloud
