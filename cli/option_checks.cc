#include "cli/option_checks.h"

#include <charconv>
#include <string>

namespace tcplan::cli {

CLI::Validator positive_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double v = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || end != text.data() + text.size() || !(v > 0))
          return "'" + text + "' is not a number greater than 0 (e.g. 60)";
        return {};
      },
      "NUMBER > 0");
}

CLI::Validator non_negative_count() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        unsigned long long v = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || end != text.data() + text.size())
          return "'" + text + "' is not a whole number of 0 or more";
        return {};
      },
      "N >= 0");
}

}  // namespace tcplan::cli
