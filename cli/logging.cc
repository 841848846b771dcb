#include "cli/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <chrono>

#include "base/time.h"

namespace tcplan::cli {
namespace {

// One JSON object per line. A pattern string cannot do this: "%v" pastes the message in raw,
// so a quote or newline in it would break the line. Boost.JSON escapes every field.
class JsonLineFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch());
    std::string stamp = base::format_utc_ms(ms.count());
    boost::json::object line;
    line["time"] = stamp;
    auto level = spdlog::level::to_string_view(msg.level);
    line["level"] = std::string_view(level.data(), level.size());
    line["msg"] = std::string_view(msg.payload.data(), msg.payload.size());
    std::string text = boost::json::serialize(line);
    text += '\n';
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonLineFormatter>();
  }
};

}  // namespace

void setup_logging(const std::string& level, const std::string& format) {
  // Multi-threaded sink: the API client logs from the executor's worker threads. A second
  // set-up in one process (commands driven in-process by tests) replaces the first.
  spdlog::drop("tcplan");
  auto logger = spdlog::stderr_logger_mt("tcplan");
  if (format == "json") {
    logger->set_formatter(std::make_unique<JsonLineFormatter>());
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l: %v", spdlog::pattern_time_type::utc);
  }
  logger->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace tcplan::cli
