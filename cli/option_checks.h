// Flag value checks with plain messages: CLI11's PositiveNumber and NonNegativeNumber print
// the bound as a 309-digit double ("Value -1 not in range 0 to 1.797...e308").
#pragma once

#include <CLI/CLI.hpp>

namespace tcplan::cli {

// A number greater than 0 (--time-scale).
CLI::Validator positive_number();

// A whole number, 0 or more (--max-parallel: 0 = no limit).
CLI::Validator non_negative_count();

}  // namespace tcplan::cli
