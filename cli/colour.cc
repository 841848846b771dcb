#include "cli/colour.h"

#include <unistd.h>

#include <cstdlib>

namespace tcplan::cli {

bool colour_enabled(std::FILE* stream) {
  const char* no_colour = std::getenv("NO_COLOR");
  if (no_colour != nullptr && *no_colour != '\0') return false;
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::string_view(term) == "dumb") return false;
  return isatty(fileno(stream)) != 0;
}

std::string paint(std::string_view text, Colour colour) {
  const char* code = nullptr;
  switch (colour) {
    case Colour::kNone:
      return std::string(text);
    case Colour::kRed:
      code = "\033[31m";
      break;
    case Colour::kGreen:
      code = "\033[32m";
      break;
    case Colour::kYellow:
      code = "\033[33m";
      break;
    case Colour::kBold:
      code = "\033[1m";
      break;
  }
  return std::string(code) + std::string(text) + "\033[0m";
}

Colour status_colour(std::string_view status) {
  if (status == "succeeded" || status == "valid" || status == "ok") return Colour::kGreen;
  if (status == "failed" || status == "refused" || status.starts_with("interrupted (killed)"))
    return Colour::kRed;
  if (status.starts_with("interrupted") || status.starts_with("running") || status == "in flight")
    return Colour::kYellow;
  return Colour::kNone;
}

std::string error_prefix(std::FILE* stream) {
  return colour_enabled(stream) ? "\033[1;31merror:\033[0m " : "error: ";
}

}  // namespace tcplan::cli
