// `--output json`: how every command writes its machine-readable result. One JSON document per
// command on stdout, with a "schema" name and version ("tcplan.runs/v1") documented by a JSON
// Schema in docs/schemas/; times in ISO 8601 UTC; numbers as plain decimals ("3.88", "60"),
// never Boost.JSON's "3.88E0"; plan diagnostics as objects (file, line, col, severity,
// message, hint).
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <string>

#include "planner/diagnostics.h"

namespace tcplan::cli {

// `v` as compact JSON text, doubles in their shortest plain form.
std::string to_json_text(const boost::json::value& v);

// Prints to_json_text(v) and a newline on stdout.
void print_json(const boost::json::value& v);

// ISO 8601 UTC with milliseconds, or null for 0 (not happened).
boost::json::value iso_time(std::int64_t epoch_ms);

// One diagnostic: the " (did you mean ...)" tail of a message becomes its hint.
boost::json::object diagnostic_json(const std::string& file, const planner::Diagnostic& d);

// A problem with the file as a whole (line and col 0), e.g. "cannot read the plan: ...".
boost::json::object file_problem_json(const std::string& file, const std::string& message);

// A progress line as a JSON log line (--log-format json): {"time", "level", "type":
// "progress", "msg"}, like the log's own lines (cli/logging.cc).
std::string progress_json_line(const std::string& line);

}  // namespace tcplan::cli
