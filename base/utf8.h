// UTF-8 validity, said once: the plan reader refuses a plan that is not UTF-8 (pointing at the
// first bad byte), and the emulator repairs quoted request bytes before they go into a JSON
// answer (Boost.JSON writes string bytes as they are).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tcplan::base {

// The length of the valid UTF-8 sequence starting at s[i] (1-4), or 0 when none starts there:
// a stray continuation byte, a truncated sequence, an overlong form, a surrogate, or a code
// point past U+10FFFF.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

// The offset of the first byte that does not start a valid sequence, or npos.
std::size_t find_invalid_utf8(std::string_view s);

// `s` with every byte that does not start a valid sequence replaced by U+FFFD.
std::string valid_utf8(std::string_view s);

}  // namespace tcplan::base
