// Benchmarks of ZAB in the simulated world (Release build).
//
//   build-release/bench/zab_bench --benchmark_counters_tabular=true

#include <benchmark/benchmark.h>

#include <fstream>
#include <memory>
#include <string>
#include <variant>

#include <fmt/format.h>

#include "runner/cluster.h"
#include "runner/run_summary.h"
#include "runner/scenario/parser.h"
#include "runner/scenario/runner.h"
#include "runner/sim_run.h"
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
    if (checked) benchmark::DoNotOptimize(summary->violations());  // Every check, to the end.
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

// One seed of a sweep, exactly as `zabsim sweep` runs it (runner/sim_run.h): swarm faults
// for 60 s, 90 s of quiet, the liveness check, and every check, the client-history search
// included. Arguments: voters, clients, operations per client.
void BM_SweepSeed(benchmark::State& state) {
  uint64_t seed = 1;
  uint64_t events = 0;
  uint64_t failed = 0;
  for (auto _ : state) {
    ClusterOptions o;
    o.seed = seed++;
    o.zab.voters = static_cast<uint32_t>(state.range(0));
    o.clients = static_cast<uint32_t>(state.range(1));
    o.workload.ops = static_cast<uint64_t>(state.range(2));
    auto run = SimRun::Create(SwarmSpec(o, sim::Duration::Seconds(60), sim::Duration::Seconds(90)));
    (*run)->Run();
    failed += (*run)->ok() ? 0 : 1;  // Asks for every verdict, so the whole check runs.
    events += (*run)->events();
  }
  state.counters["seeds/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["failed"] = static_cast<double>(failed);
}
BENCHMARK(BM_SweepSeed)
    ->ArgNames({"voters", "clients", "ops"})
    ->Args({3, 1, 100})   // 100 client operations.
    ->Args({3, 3, 100})   // zabsim sweep's default: 300.
    ->Args({5, 4, 250})   // 1,000.
    ->Unit(benchmark::kMillisecond);

// A scenario replayed as `zabsim run` replays it, for its cost per simulated event next to
// BM_SweepSeed's: elect, 100 writes, crash the leader, re-elect, 100 writes, bring the old
// leader back (about 8,600 trace records). Each command's output is rendered as it would
// be compared with the file's; the file expects nothing, as after --rewrite of a new one.
// With `shown` 0 the story starts with `show none`: nothing but state changes is written,
// which leaves the cost of the run itself, the floor of a replay of this story.
std::string StoryScenario(bool shown) {
  std::string text;
  const auto add = [&text](const std::string& command) { text += command + "\n----\n\n"; };
  add("cluster voters=3 clients=1");
  if (!shown) add("show none");
  add("run until=converged");
  for (int i = 0; i < 100; ++i) add(fmt::format("create 1 /a{} v", i));
  add("crash 3");
  add("run until=converged");
  for (int i = 0; i < 100; ++i) add(fmt::format("create 1 /b{} v", i));
  add("restart 3");
  add("run until=converged");
  add("check");
  return text;
}

void BM_ScenarioStory(benchmark::State& state) {
  const std::string text = StoryScenario(state.range(0) != 0);
  auto file = scenario::Parse("story.scn", text);
  if (!file.ok()) {
    state.SkipWithError("the story does not parse");
    return;
  }
  uint64_t events = 0;
  for (auto _ : state) {
    scenario::ScenarioRunner runner(*file, zab::ReleaseChoice{});
    for (const scenario::Directive& d : file->directives) {
      auto output = runner.Execute(d);
      benchmark::DoNotOptimize(output);
    }
    runner.Finish();
    benchmark::DoNotOptimize(runner.Verdicts());
    events += runner.cluster()->world().stats().events;
  }
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["events"] = static_cast<double>(events) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_ScenarioStory)->ArgName("shown")->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);

// The story of BM_ScenarioStory driven through the cluster's own API, with the same
// checks and no scenario language: what simulating and checking that story costs by
// itself, per event. Its `events` counter equals BM_ScenarioStory's (the same run, event for
// event), so the two side by side give a replay's own cost; next to BM_SweepSeed, the cost of
// a write-heavy story's events against a sweep seed's mostly idle ones.
void BM_StoryDirect(benchmark::State& state) {
  uint64_t events = 0;
  for (auto _ : state) {
    ClusterOptions o;  // As `cluster voters=3 clients=1`: seed 1, no workload of its own.
    o.zab.voters = 3;
    o.clients = 1;
    auto cluster = Cluster::Create(o);
    World& world = (*cluster)->world();
    RunSummary summary(**cluster);
    const auto wait = [&](auto done) { world.RunUntilTrue(done, world.now() + sim::Duration::Seconds(60)); };
    const auto converged = [&] { return (*cluster)->Converged(); };
    const auto create = [&](const std::string& path) {
      world.Invoke(sim::ProcessId{(*cluster)->ClientProcessId(0)},
                   [&](sim::Process<zab::Message>& p, sim::Context<zab::Message>& ctx) {
                     static_cast<ClientProcess&>(p).Submit(
                         ctx, zab::Op{.type = zab::OpType::kCreate, .path = path, .data = "v"});
                   });
      wait([&] { return (*cluster)->client(0)->client().idle(); });
    };
    const auto fault = [&](sim::Fault::Kind kind) { world.Apply(sim::Fault{.kind = kind, .p = sim::ProcessId{3}}); };
    wait(converged);
    for (int i = 0; i < 100; ++i) create(fmt::format("/a{}", i));
    fault(sim::Fault::Kind::kCrash);
    wait(converged);
    for (int i = 0; i < 100; ++i) create(fmt::format("/b{}", i));
    fault(sim::Fault::Kind::kRestart);
    wait(converged);
    benchmark::DoNotOptimize(summary.violations());
    events += world.stats().events;
  }
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["events"] = static_cast<double>(events) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_StoryDirect)->Unit(benchmark::kMillisecond);

// PeakRssMiB: the process's peak resident set so far (VmHWM), in MiB.
double PeakRssMiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

// A long run without faults, past 100,000 txns: snapshots and autopurge (every 10
// simulated seconds, keeping 3 snapshots; ZooKeeper master takes `autopurge.purgeInterval=10s`)
// keep the simulated disks bounded, and the checkers' own state grows with the txns. Reports the
// peak resident set of the whole process (run it alone:
// --benchmark_filter=BM_LongRun), which covers the run, its disks and every check.
void BM_LongRun(benchmark::State& state) {
  uint64_t committed = 0;
  for (auto _ : state) {
    ClusterOptions o;
    o.clients = 20;
    o.workload.ops = 9000;  // 180,000 operations, about 58% of them writes.
    o.zab.snap_count = 10000;
    o.zab.autopurge_interval_ms = 10'000;  // ZooKeeper purges nothing unless told to.
    auto run = SimRun::Create([&] {
      SimSpec spec;
      spec.options = o;
      spec.window = sim::Duration::Seconds(1);
      spec.quiet = sim::Duration::Seconds(1200);
      return spec;
    }());
    (*run)->Run();
    benchmark::DoNotOptimize((*run)->ok());
    committed = (*run)->summary().committed();
  }
  state.counters["txns"] = static_cast<double>(committed);
  state.counters["peak_rss_MiB"] = PeakRssMiB();
}
BENCHMARK(BM_LongRun)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace zabsim::runner
