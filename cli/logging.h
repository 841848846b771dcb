// Logging set-up for the tcplan binary: spdlog to stderr, text or JSON lines. Loggers never
// receive secrets: the api layer logs action, host and timing only.
#pragma once

#include <string>

namespace tcplan::cli {

void setup_logging(const std::string& level, const std::string& format);

}  // namespace tcplan::cli
