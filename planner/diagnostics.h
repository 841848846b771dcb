// Compiler-style diagnostics for plan files: "plans/x.toml:14:9: error: ...", then the source
// line and a caret under the column. Every problem of a file is collected (not just the
// first), and warnings are kept apart from errors so they never fail a run.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/closest_name.h"

namespace tcplan::planner {

// 1-based line and column in the plan file; 0 means "the file as a whole".
struct Location {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

enum class Severity { kError, kWarning };

struct Diagnostic {
  Severity severity = Severity::kError;
  Location where;
  std::string message;
};

class Diagnostics {
 public:
  // `source` is the file's text, used to print the offending line.
  explicit Diagnostics(std::string file, std::string source = {})
      : file_(std::move(file)), source_(std::move(source)) {}

  void error(Location where, std::string message);
  void warning(Location where, std::string message);
  void set_source(std::string source) { source_ = std::move(source); }

  const std::string& file() const { return file_; }
  const std::vector<Diagnostic>& all() const { return all_; }
  std::size_t errors() const { return errors_; }
  std::size_t warnings() const { return all_.size() - errors_; }
  bool has_errors() const { return errors_ > 0; }

  // Errors first, then warnings, each in file order; one block per diagnostic.
  std::string render() const;
  // "file:line:col: error: message" only (tests and JSON output use this).
  std::string headline(const Diagnostic& d) const;

 private:
  std::string file_;
  std::string source_;
  std::vector<Diagnostic> all_;
  std::size_t errors_ = 0;
};

// The edit distance of the suggestions (api/closest_name.h).
using api::edit_distance;

// " (did you mean 'X'?)" for the closest candidate within a small distance, else "".
std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace tcplan::planner
