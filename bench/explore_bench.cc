// Benchmarks of systematic exploration (runner/explore.h, docs/explore.md): distinct
// states per second. Each state is replayed from the start, so the rate falls as runs
// grow long; the bounded searches below are those `zabsim explore` runs by default.
//
//   build-release/bench/explore_bench --benchmark_counters_tabular=true

#include <benchmark/benchmark.h>

#include <string>

#include "runner/explore.h"

namespace zabsim::runner::explore {
namespace {

ExploreOptions Options(const std::string& line, uint32_t deviations) {
  ExploreOptions o;
  o.cluster_line = line;
  o.cluster = *ParseClusterLine(line);
  o.budget = Budget{1, 1, 0};
  o.max_deviations = deviations;
  return o;
}

// The search that finds commit-without-quorum (2 deviations from time order).
void BM_ExploreFindsCommitWithoutQuorum(benchmark::State& state) {
  const ExploreOptions o = Options("cluster voters=3 clients=1 bug=commit-without-quorum", 2);
  uint64_t states = 0;
  for (auto _ : state) {
    auto found = Explore(o);
    if (!found.ok() || !found->counterexample) state.SkipWithError("no counterexample");
    states += found->states;
  }
  state.counters["states/s"] = benchmark::Counter(static_cast<double>(states), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ExploreFindsCommitWithoutQuorum)->Unit(benchmark::kMillisecond);

// Every run of a correct ensemble within 0 or 1 deviations (a whole search, no violation).
void BM_ExploreCovers(benchmark::State& state) {
  const ExploreOptions o = Options("cluster voters=3 clients=1", static_cast<uint32_t>(state.range(0)));
  uint64_t states = 0;
  for (auto _ : state) {
    auto found = Explore(o);
    if (!found.ok() || found->counterexample) state.SkipWithError("unexpected violation");
    states += found->states;
  }
  state.counters["states/s"] = benchmark::Counter(static_cast<double>(states), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ExploreCovers)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// A crash and a restart with no reordering, with the fault reduction (1) or every fault
// at every point (0): the same verdict, fewer states and less time with it
// (docs/explore.md, "Where faults are placed").
void BM_ExploreFaultReduction(benchmark::State& state) {
  ExploreOptions o = Options("cluster voters=3 clients=1", 2);
  o.budget = Budget{1, 1, 1};
  o.max_reorders = 0;
  o.reduce_faults = state.range(0) != 0;
  uint64_t states = 0;
  for (auto _ : state) {
    auto found = Explore(o);
    if (!found.ok() || found->counterexample) state.SkipWithError("unexpected violation");
    states += found->states;
  }
  state.counters["states"] = benchmark::Counter(static_cast<double>(states), benchmark::Counter::kAvgIterations);
  state.counters["states/s"] = benchmark::Counter(static_cast<double>(states), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ExploreFaultReduction)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// Plain breadth first from time 0, every run to a small depth: replays are short, so
// this is the rate with the least replay per state.
void BM_ExploreBreadthFirstFromStart(benchmark::State& state) {
  ExploreOptions o = Options("cluster voters=3", kAnyDeviations);
  o.budget = Budget{};
  o.from = ExploreOptions::From::kStart;
  o.depth = static_cast<uint32_t>(state.range(0));
  uint64_t states = 0;
  for (auto _ : state) {
    auto found = Explore(o);
    if (!found.ok()) state.SkipWithError("search failed");
    states += found->states;
  }
  state.counters["states/s"] = benchmark::Counter(static_cast<double>(states), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ExploreBreadthFirstFromStart)->Arg(5)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace zabsim::runner::explore
