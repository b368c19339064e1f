// Benchmarks of ZAB in the simulated world (Release build).
//
//   build-release/bench/zab_bench --benchmark_counters_tabular=true

#include <benchmark/benchmark.h>

#include <memory>
#include <variant>

#include "runner/cluster.h"
#include "runner/run_summary.h"
#include "sim/fault.h"

namespace zabsim::runner {
namespace {

// A 3- or 5-voter ensemble under continuous writes, no faults: 20 clients writing with
// almost no think time for 10 simulated seconds. The second argument turns the safety
// checker (and the rest of the run summary) on or off, to measure what checking costs;
// with it off, a bare listener only counts the commits.
void BM_EnsembleWrites(benchmark::State& state) {
  const bool checked = state.range(1) != 0;
  uint64_t events = 0;
  uint64_t committed = 0;
  for (auto _ : state) {
    ClusterOptions o;
    o.zab.voters = static_cast<uint32_t>(state.range(0));
    o.clients = 20;
    o.workload.ops = 1000000;
    o.workload.think = sim::Distribution::Fixed(sim::Duration::Micros(100));
    auto cluster = Cluster::Create(o);
    std::unique_ptr<RunSummary> summary;
    uint64_t commits = 0;
    if (checked) {
      summary = std::make_unique<RunSummary>(**cluster);
    } else {
      (*cluster)->AddListener([&commits](const EventRecord& r) {
        commits += std::holds_alternative<zab::Committed>(r.event) ? 1 : 0;
      });
    }
    (*cluster)->world().RunUntil(sim::Time{10'000'000});
    events += (*cluster)->world().stats().events;
    committed += checked ? summary->committed() : commits;
  }
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["commits/s"] =
      benchmark::Counter(static_cast<double>(committed), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EnsembleWrites)
    ->ArgNames({"voters", "checked"})
    ->Args({3, 1})
    ->Args({5, 1})
    ->Args({5, 0})
    ->Unit(benchmark::kMillisecond);

// One swarm seed: 3 voters, 3 clients x 33 ops (about 100), faults for 30s, 30s quiet.
void BM_SwarmSeed(benchmark::State& state) {
  uint64_t seed = 1;
  uint64_t events = 0;
  for (auto _ : state) {
    ClusterOptions o;
    o.seed = seed++;
    o.zab.voters = 3;
    o.clients = 3;
    o.workload.ops = 33;
    auto cluster = Cluster::Create(o);
    RunSummary summary(**cluster);  // The checks run on every seed, as in a sweep.
    (void)(*cluster)->world().Schedule(sim::Swarm(o.seed, 3, sim::Duration::Seconds(30), 1));
    (*cluster)->world().RunUntil(sim::Time{60'000'000});
    events += (*cluster)->world().stats().events;
  }
  state.counters["seeds/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SwarmSeed)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace zabsim::runner
