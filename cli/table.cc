#include "cli/table.h"

#include <algorithm>

namespace tcplan::cli {
namespace {

// Display width: UTF-8 continuation bytes take no column.
std::size_t display_width(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

}  // namespace

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::add_row(std::vector<Cell> cells) {
  cells.resize(headers_.size(), Cell(""));
  rows_.push_back(std::move(cells));
}

std::string Table::render(bool colour) const {
  std::vector<std::size_t> width(headers_.size());
  for (std::size_t c = 0; c < headers_.size(); ++c) {
    width[c] = display_width(headers_[c]);
    for (const auto& row : rows_)
      width[c] = std::max(width[c], display_width(row[c].text));
  }
  std::string out;
  auto line = [&](auto&& text_of, auto&& colour_of) {
    std::string l;
    for (std::size_t c = 0; c < headers_.size(); ++c) {
      std::string cell = text_of(c);
      const bool last = c + 1 == headers_.size();
      std::string pad = last ? "" : std::string(width[c] - display_width(cell) + 2, ' ');
      l += (colour ? paint(cell, colour_of(c)) : cell) + pad;
    }
    while (!l.empty() && l.back() == ' ')
      l.pop_back();
    out += l + "\n";
  };
  line([&](std::size_t c) { return headers_[c]; }, [](std::size_t) { return Colour::kNone; });
  for (const auto& row : rows_)
    line([&](std::size_t c) { return row[c].text; }, [&](std::size_t c) { return row[c].colour; });
  return out;
}

}  // namespace tcplan::cli
