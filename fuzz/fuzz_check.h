// What every fuzz target uses: FUZZ_CHECK, an invariant that must hold for every input. A
// failed check prints the condition and aborts, which libFuzzer reports as a crash (and saves
// the input), and which fails the corpus replay test in the normal suite.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#define FUZZ_CHECK(cond, ...)                                                           \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      ::tcplan::fuzz::detail(__VA_ARGS__);                                              \
      std::abort();                                                                     \
    }                                                                                   \
  } while (false)

namespace tcplan::fuzz {

inline void detail() {}
inline void detail(std::string_view what) {
  std::fprintf(stderr, "  %.*s\n", static_cast<int>(what.size()), what.data());
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace tcplan::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
