// Suggestions for a misspelt name ("did you mean ...?"): the one edit distance tcplan uses,
// for the catalog's parameter validator and the plan parser and validator alike.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace tcplan::api {

// Damerau-Levenshtein distance (adjacent transposition counts as one edit), case-insensitive:
// "IntanceId" is one edit from "InstanceId", "grwo" one from "grow".
std::size_t edit_distance(std::string_view a, std::string_view b);

// The first candidate closest to `word` within `max_distance` edits, or empty.
std::string_view closest_name(std::string_view word,
                              const std::vector<std::string_view>& candidates,
                              std::size_t max_distance);

}  // namespace tcplan::api
