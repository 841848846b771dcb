// Planner speed: parsing and validating generated plans of 10, 100 and 1,000 steps (the
// target is `tcplan validate` on a 1,000-step plan in under 100 ms). Results and the command
// that reproduces them are in docs/benchmarks.md ("Planner").
#include <benchmark/benchmark.h>

#include <string>

#include "planner/parse.h"
#include "planner/validate.h"

namespace {

// A realistic repeating runbook: scale out, wait on the flow, rolling restart, scale in the
// added nodes; each block on its own cluster var so every reference is checked.
std::string generated_plan(int steps) {
  std::string s =
      "version = 1\nname = \"bench\"\nregion = \"ap-guangzhou\"\n[guardrails]\n"
      "max_scale_out_nodes = 50\nmax_scale_in_nodes = 50\n[vars]\n"
      "cluster = \"emr-4slr7ad7\"\n";
  for (int i = 0; i < steps; ++i) {
    const std::string n = std::to_string(i / 4);
    switch (i % 4) {
      case 0:
        s += "[[steps]]\nid = \"grow-" + n +
             "\"\nkind = \"scale_out\"\n[steps.params]\nInstanceId = \"${vars.cluster}\"\n"
             "PayMode = 0\nTimeUnit = \"s\"\nTimeSpan = 3600\nTaskCount = 2\n";
        break;
      case 1:
        s += "[[steps]]\nid = \"wait-" + n +
             "\"\nkind = \"wait\"\ncluster = \"${vars.cluster}\"\nflow = \"${steps.grow-" + n +
             ".FlowId}\"\n";
        break;
      case 2:
        s += "[[steps]]\nid = \"restart-" + n +
             "\"\nkind = \"restart\"\n[steps.params]\nInstanceId = \"${vars.cluster}\"\n"
             "OpScope = { ServiceInfoList = [{ ServiceName = \"YARN\" }] }\n"
             "StrategyConfig = { RollingRestartSwitch = 1, BatchSize = 1, TimeWait = 60, "
             "DealOnFail = 0 }\n";
        break;
      case 3:
        s += "[[steps]]\nid = \"shrink-" + n +
             "\"\nkind = \"scale_in\"\n[steps.params]\nInstanceId = \"${vars.cluster}\"\n"
             "[steps.select]\nnode_flag = \"task\"\nadded_by = \"grow-" +
             n + "\"\n";
        break;
    }
  }
  return s;
}

void BM_ParseAndValidate(benchmark::State& state) {
  const std::string text = generated_plan(static_cast<int>(state.range(0)));
  tcplan::api::Catalog::builtin();  // parsed once per process, as in the CLI
  for (auto _ : state) {
    tcplan::planner::Diagnostics d("bench.toml");
    auto plan = tcplan::planner::parse_plan("bench.toml", text, d);
    tcplan::planner::validate_plan(*plan, d);
    if (d.has_errors()) state.SkipWithError("generated plan is invalid");
    benchmark::DoNotOptimize(plan);
  }
  state.SetLabel(std::to_string(text.size()) + " bytes");
}
BENCHMARK(BM_ParseAndValidate)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_ParseOnly(benchmark::State& state) {
  const std::string text = generated_plan(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    tcplan::planner::Diagnostics d("bench.toml");
    auto plan = tcplan::planner::parse_plan("bench.toml", text, d);
    benchmark::DoNotOptimize(plan);
  }
}
BENCHMARK(BM_ParseOnly)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
