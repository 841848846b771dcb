// Colour for terminals: status words and "error:" in colour when the stream is a terminal,
// plain text when it is a pipe or a file, or when NO_COLOR is set (https://no-color.org) or
// TERM is "dumb". One decision per stream, made once.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace tcplan::cli {

enum class Colour { kNone, kRed, kGreen, kYellow, kBold };

// Whether text written to `stream` may carry colour.
bool colour_enabled(std::FILE* stream);

// `text` wrapped in the escape sequence of `colour` (unchanged for kNone).
std::string paint(std::string_view text, Colour colour);

// The colour of a run or step status word: succeeded green, failed/refused red, interrupted,
// running and in-flight states yellow, anything else none.
Colour status_colour(std::string_view status);

// "error: " in red and bold when `stream` takes colour.
std::string error_prefix(std::FILE* stream);

}  // namespace tcplan::cli
