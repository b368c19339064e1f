// Benchmarks of the bare world (Release build): events per second with trivial
// processes, and the cost of the pieces an event is made of.
//
//   build-release/bench/world_bench --benchmark_counters_tabular=true

#include <benchmark/benchmark.h>

#include <memory>

#include "sim/random.h"
#include "sim/toy/gossip.h"
#include "sim/trace.h"
#include "sim/world.h"

namespace zabsim::sim {
namespace {

// A ring of PingPong processes with `window` messages in flight per link: every event is
// a frame delivery that sends the next frame.
void BM_WorldRing(benchmark::State& state) {
  const uint32_t processes = static_cast<uint32_t>(state.range(0));
  const uint32_t window = static_cast<uint32_t>(state.range(1));
  uint64_t events = 0;
  for (auto _ : state) {
    WorldConfig config;
    config.processes = processes;
    auto world = World<toy::ToyMessage>::Create(config, [&](const ProcessEnv& env) {
      return std::make_unique<toy::PingPong>(env, processes, window);
    });
    (*world)->RunUntil(Time{1000000});  // One simulated second.
    events += (*world)->stats().events;
    benchmark::DoNotOptimize((*world)->trace().fingerprint());
  }
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_WorldRing)->Args({3, 1})->Args({5, 16})->Args({16, 64})->Unit(benchmark::kMillisecond);

// The toy gossip world with swarm faults: timers, fsyncs, reconnects, crashes.
void BM_WorldGossipSwarm(benchmark::State& state) {
  uint64_t events = 0;
  uint64_t seed = 1;
  for (auto _ : state) {
    WorldConfig config;
    config.seed = seed++;
    config.processes = 5;
    auto world = World<toy::ToyMessage>::Create(config, [](const ProcessEnv& env) {
      return std::make_unique<toy::Gossip>(env, 5);
    });
    (void)(*world)->Schedule(Swarm(config.seed, 5, Duration::Seconds(22), 1));
    (*world)->RunUntil(Time{30000000});
    events += (*world)->stats().events;
  }
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["seeds/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_WorldGossipSwarm)->Unit(benchmark::kMillisecond);

void BM_RngNext(benchmark::State& state) {
  Rng rng = Rng::FromSeed(1);
  for (auto _ : state) benchmark::DoNotOptimize(rng.Next());
}
BENCHMARK(BM_RngNext);

void BM_RngBelow(benchmark::State& state) {
  Rng rng = Rng::FromSeed(1);
  for (auto _ : state) benchmark::DoNotOptimize(rng.Below(1000));
}
BENCHMARK(BM_RngBelow);

void BM_TraceRecordNoSink(benchmark::State& state) {
  Trace trace;
  int64_t t = 0;
  for (auto _ : state) {
    trace.Record(Time{++t}, 3, "send").Uint("conn", 7).Uint("to", 1).Str("type", "PROPOSAL");
  }
  benchmark::DoNotOptimize(trace.fingerprint());
}
BENCHMARK(BM_TraceRecordNoSink);

}  // namespace
}  // namespace zabsim::sim
