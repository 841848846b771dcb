// Tables for the terminal: every column as wide as its widest cell (long step ids and action
// names never push the next column out of line), two spaces between columns, the last column
// unpadded. A cell may carry a colour, applied after padding so alignment ignores escapes.
#pragma once

#include <string>
#include <vector>

#include "cli/colour.h"

namespace tcplan::cli {

struct Cell {
  std::string text;
  Colour colour = Colour::kNone;
  Cell(std::string t, Colour c = Colour::kNone) : text(std::move(t)), colour(c) {}  // NOLINT
  Cell(const char* t) : text(t) {}                                                  // NOLINT
};

class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  void add_row(std::vector<Cell> cells);
  // With `colour`, cells are painted; headers are plain either way.
  std::string render(bool colour) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<Cell>> rows_;
};

}  // namespace tcplan::cli
