#include "planner/step_graph.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

namespace tcplan::planner {

bool valid_step_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

StepGraph::StepGraph(const Plan& plan, Diagnostics& diags) {
  check_ids(plan, diags);
  build(plan, diags);
  find_cycle(plan, diags);
  if (acyclic_) fill_ancestors();
}

void StepGraph::check_ids(const Plan& plan, Diagnostics& diags) {
  std::map<std::string, Location, std::less<>> seen;
  // Steps, undo steps and groups share one namespace: `after` and references name them.
  const auto check = [&](const std::string& id, Location at, const char* what) {
    if (id.empty() || id[0] == '#') return;  // missing: reported by the parser
    if (!valid_step_id(id)) {
      diags.error(at, std::string(what) + " id '" + id + "' must be 1 to 64 of [a-z0-9_-]");
    } else if (id == kPreviewStepId) {
      diags.error(at, std::string(what) + " id '" + kPreviewStepId +
                          "' is reserved: the dry run records its reads under it");
    }
    auto [it, fresh] = seen.emplace(id, at);
    if (!fresh) {
      diags.error(at, "duplicate " + std::string(what) + " id '" + id + "' (first used at line " +
                          std::to_string(it->second.line) + ")");
    }
  };
  struct Named {
    const std::string* id;
    Location at;
    const char* what;
  };
  std::vector<Named> all;
  for (const Group& g : plan.groups)
    all.push_back({&g.id, g.id_at, "group"});
  for (const Step& s : plan.steps) {
    all.push_back({&s.id, s.id_at, "step"});
    for (const Step& u : s.undo)
      all.push_back({&u.id, u.id_at, "step"});
  }
  // In file order, so "first used at" is the first one written.
  std::stable_sort(all.begin(), all.end(), [](const Named& a, const Named& b) {
    return a.at.line != b.at.line ? a.at.line < b.at.line : a.at.column < b.at.column;
  });
  for (const Named& n : all)
    check(*n.id, n.at, n.what);
}

void StepGraph::build(const Plan& plan, Diagnostics& diags) {
  const std::size_t n = plan.steps.size();
  std::vector<std::string_view> names;
  for (const Step& s : plan.steps)
    names.push_back(s.id);
  edges_.assign(n, {});
  for (std::size_t i = 0; i < n; ++i) {
    const Step& s = plan.steps[i];
    for (std::size_t k = 0; k < s.after.size(); ++k) {
      const std::string& dep = s.after[k];
      const Location at = k < s.after_item_at.size() ? s.after_item_at[k] : s.after_at;
      const int j = plan.index_of(dep);
      if (j < 0) {
        diags.error(at, "step '" + s.id + "' runs after unknown step '" + dep + "'" +
                            did_you_mean(dep, names));
      } else if (static_cast<std::size_t>(j) == i) {
        diags.error(at, "step '" + s.id + "' cannot run after itself");
      } else {
        edges_[i].push_back(j);
      }
    }
  }
}

// Iterative DFS: a 1,000-step chain must not exhaust the stack. Reports the first cycle.
void StepGraph::find_cycle(const Plan& plan, Diagnostics& diags) {
  const std::size_t n = edges_.size();
  std::vector<int> state(n, 0);  // 0 new, 1 on stack, 2 done
  acyclic_ = true;
  for (std::size_t root = 0; root < n && acyclic_; ++root) {
    if (state[root]) continue;
    std::vector<std::pair<int, std::size_t>> stack{{static_cast<int>(root), 0}};
    state[root] = 1;
    while (!stack.empty() && acyclic_) {
      auto& [v, next] = stack.back();
      if (next < edges_[v].size()) {
        const int w = edges_[v][next++];
        if (state[w] == 1) {
          acyclic_ = false;
          std::string cycle = plan.steps[w].id;
          for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
            cycle = plan.steps[it->first].id + " -> " + cycle;
            if (it->first == w) break;
          }
          const Step& s = plan.steps[v];
          diags.error(s.after_at.line ? s.after_at : s.at, "the steps form a cycle: " + cycle);
        } else if (state[w] == 0) {
          state[w] = 1;
          stack.emplace_back(w, 0);
        }
      } else {
        state[v] = 2;
        stack.pop_back();
      }
    }
  }
}

// Ancestor sets as bitsets, filled in topological order (every dependency finishes first).
void StepGraph::fill_ancestors() {
  const std::size_t n = edges_.size();
  const std::size_t words = (n + 63) / 64;
  ancestors_.assign(n, std::vector<std::uint64_t>(words, 0));
  std::vector<int> order;
  std::vector<int> indeg(n, 0);
  std::vector<std::vector<int>> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    for (int j : edges_[i]) {
      out[j].push_back(static_cast<int>(i));
      ++indeg[i];
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (indeg[i] == 0) order.push_back(static_cast<int>(i));
  }
  for (std::size_t k = 0; k < order.size(); ++k) {
    const int v = order[k];
    for (int w : out[v]) {
      auto& a = ancestors_[w];
      a[v / 64] |= std::uint64_t{1} << (v % 64);
      for (std::size_t x = 0; x < words; ++x)
        a[x] |= ancestors_[v][x];
      if (--indeg[w] == 0) order.push_back(w);
    }
  }
}

bool StepGraph::is_ancestor(int ancestor, int of) const {
  if (!acyclic_ || ancestor < 0 || of < 0) return false;
  return (ancestors_[of][ancestor / 64] >> (ancestor % 64)) & 1;
}

}  // namespace tcplan::planner
