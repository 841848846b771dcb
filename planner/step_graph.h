// The order of a plan's steps: step ids (format, unique across steps and undo steps), the
// `after` edges, cycles, and which steps certainly run before which. Built once per
// validation; references and selections ask it whether their source has run.
#pragma once

#include <cstdint>
#include <vector>

#include "planner/diagnostics.h"
#include "planner/plan.h"

namespace tcplan::planner {

// Whether `id` is 1 to 64 of [a-z0-9_-].
bool valid_step_id(std::string_view id);

class StepGraph {
 public:
  // Reports bad or duplicate ids, unknown or self `after` entries and cycles to `diags`.
  StepGraph(const Plan& plan, Diagnostics& diags);

  bool acyclic() const { return acyclic_; }
  // Whether step `ancestor` finishes before step `of` starts on every run (by index).
  // False when the graph has a cycle.
  bool is_ancestor(int ancestor, int of) const;

 private:
  void check_ids(const Plan& plan, Diagnostics& diags);
  void build(const Plan& plan, Diagnostics& diags);
  void find_cycle(const Plan& plan, Diagnostics& diags);
  void fill_ancestors();

  std::vector<std::vector<int>> edges_;  // step -> the steps it runs after
  std::vector<std::vector<std::uint64_t>> ancestors_;
  bool acyclic_ = false;
};

}  // namespace tcplan::planner
