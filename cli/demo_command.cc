// zabsim demo: a run of the simulated world with toy gossip processes. It shows the
// world at work (connections, timers, fsyncs, crashes, partitions, drift) and prints the
// run's trace fingerprint, the witness that the same seed gives the same run.

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/memory_limit.h"
#include "cli/run_flags.h"
#include "runner/output_file.h"
#include "sim/fault.h"
#include "sim/toy/gossip.h"
#include "sim/trace.h"
#include "sim/world.h"
#include "base/status.h"

namespace zabsim::cli {
namespace {

using sim::toy::DurabilityWatch;
using sim::toy::Gossip;
using sim::toy::ToyMessage;

FlagSet DemoFlags() {
  FlagSet flags("demo", "zabsim demo [flags]",
                "Run the simulated world with toy gossip processes (no ZAB) and print a summary\n"
                "and the trace fingerprint. Each process counts, fsyncs its counter, gossips it,\n"
                "and must find it again after a crash.");
  flags.Add("seed", "N", "1", "root seed of every random stream");
  flags.Add("processes", "N", "5", "number of processes (1 to 256)");
  flags.Add("time", "DURATION", "30s", "simulated time to run (e.g. 500ms, 30s, 2m)");
  flags.Add("faults", "PLAN", "swarm",
            "'swarm' (random fault kinds and rates drawn from the seed), 'none', or a plan such "
            "as '1s crash 2; 3s restart 2' (see docs/world.md)");
  flags.AddRepeated("set", "KEY=VALUE",
                    "world setting, e.g. net.latency=1ms..5ms (keys: see docs/world.md)");
  flags.Add("trace", "FILE", "", "write the full trace to FILE ('-' for standard output)");
  flags.Add("format", "text|jsonl", "text", "form of the --trace output");
  flags.AddBool("brief", "print only the fingerprint");
  flags.AddExample("zabsim demo");
  flags.AddExample("zabsim demo --seed 7 --processes 3 --time 10s --faults '1s crash 2; 4s restart 2'");
  flags.AddExample("zabsim demo --set net.loss=1% --set clock.drift_ppm=20000 --trace run.jsonl --format jsonl");
  return flags;
}

}  // namespace

int RunDemo(const std::vector<std::string>& args) {
  FlagSet flags = DemoFlags();
  AddMaxMemoryFlag(flags);
  if (const std::optional<int> done = ParseCommand(flags, args)) return *done;
  sim::WorldConfig config;
  auto seed = flags.GetUint("seed", 0, UINT64_MAX);
  if (!seed.ok()) return Usage(seed.status());
  auto processes = flags.GetUint("processes", 1, sim::kMaxProcesses);
  if (!processes.ok()) return Usage(processes.status());
  auto horizon = flags.GetDuration("time");
  if (!horizon.ok()) return Usage(horizon.status());
  if (horizon->us <= 0) return Usage(absl::InvalidArgumentError("zabsim demo: --time must be positive"));
  config.seed = *seed;
  config.processes = static_cast<uint32_t>(*processes);
  const auto set = [&](std::string_view k, std::string_view v) { return config.Set(k, v); };
  if (absl::Status s = ApplySettings(flags, "set", "demo", set); !s.ok()) return Usage(s);
  const std::string format = flags.Get("format");
  if (format != "text" && format != "jsonl") {
    return Usage(absl::InvalidArgumentError(
        fmt::format("zabsim demo: --format={}: expected text or jsonl", format)));
  }

  sim::FaultPlan plan;
  sim::SwarmSettings swarm;
  const std::string faults = flags.Get("faults");
  if (faults == "swarm") {
    // Faults in the first three quarters; the last quarter shows the recovery.
    plan = sim::Swarm(config.seed, config.processes, *horizon * 3 / 4, /*signals=*/1, &swarm);
  } else if (faults != "none") {
    auto parsed = sim::FaultPlan::Parse(faults);
    if (!parsed.ok()) return Usage(absl::InvalidArgumentError(
        fmt::format("zabsim demo: --faults: {}", base::Text(parsed.status()))));
    plan = *std::move(parsed);
  }

  const uint32_t n = config.processes;
  auto world = sim::World<ToyMessage>::Create(config, [n](const sim::ProcessEnv& env) {
    return std::make_unique<Gossip>(env, n);
  });
  if (!world.ok()) return Usage(world.status());
  if (absl::Status s = (*world)->Schedule(plan); !s.ok()) {
    return Usage(absl::InvalidArgumentError(fmt::format("zabsim demo: --faults: {}", base::Text(s))));
  }

  std::unique_ptr<runner::OutputFile> trace_out;
  std::FILE* trace_file = nullptr;
  std::unique_ptr<sim::TraceSink> trace_sink;
  if (const std::string path = flags.Get("trace"); !path.empty()) {
    auto opened = runner::OutputFile::Open(path);
    if (!opened.ok()) {
      fmt::print(stderr, "zabsim demo: --trace: {}\n", base::Text(opened.status()));
      return kExitUsage;
    }
    trace_out = *std::move(opened);
    trace_file = trace_out->file();
    if (format == "jsonl") {
      fmt::print(trace_file, "{{\"format\":\"zabsim-trace\",\"version\":1,\"seed\":{},\"processes\":{}}}\n",
                 config.seed, config.processes);
      trace_sink = std::make_unique<sim::JsonlSink>(trace_file);
    } else {
      trace_sink = std::make_unique<sim::TextSink>(trace_file);
    }
    (*world)->trace().AddSink(trace_sink.get());
  }
  DurabilityWatch watch;
  (*world)->trace().AddSink(&watch);

  const auto wall_start = std::chrono::steady_clock::now();
  (*world)->RunUntil(sim::Time{horizon->us});
  const double wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  if (trace_out != nullptr) {
    (*world)->trace().RemoveSink(trace_sink.get());
    if (absl::Status s = trace_out->Commit(); !s.ok()) {
      fmt::print(stderr, "zabsim demo: --trace: {}\n", base::Text(s));
      return kExitUsage;
    }
  }

  const sim::World<ToyMessage>& w = **world;
  const std::string fingerprint = sim::FormatFingerprint(w.trace().fingerprint());
  const bool ok = watch.violations().empty();
  if (flags.GetBool("brief")) {
    fmt::print("{}\n", fingerprint);
    return ok ? kExitOk : kExitFailed;
  }
  fmt::print("zabsim demo: {} toy gossip processes (the world without ZAB), seed {}, {} simulated\n",
             n, config.seed, sim::FormatDuration(*horizon));
  std::string settings;
  for (const auto& [key, value] : config.Describe()) {
    if (key == "seed" || key == "processes") continue;
    settings += fmt::format(" {}={}", key, value);
  }
  fmt::print("settings:{}\n", settings);
  if (faults == "swarm") fmt::print("swarm: {}\n", swarm.ToString());
  fmt::print("faults: {} scheduled{}\n", plan.faults.size(), plan.faults.empty() ? "" : ":");
  for (const sim::TimedFault& f : plan.faults) {
    fmt::print("  {:>10} {}\n", sim::FormatDuration(sim::Duration{f.at.us}), f.fault.ToString());
  }
  const sim::WorldStats& st = w.stats();
  fmt::print("events: {} ({} trace records)\n", st.events, w.trace().records());
  fmt::print("messages: {} sent, {} delivered, {} dropped\n", st.messages_sent,
             st.messages_delivered, st.messages_dropped);
  fmt::print("connections: {} opened, {} broken; crashes: {}; restarts: {}; fsyncs: {}\n",
             st.connections_opened, st.connections_broken, st.crashes, st.restarts, st.syncs);
  for (uint32_t p = 1; p <= n; ++p) {
    auto* process = const_cast<sim::World<ToyMessage>&>(w).process(sim::ProcessId{p});
    if (process == nullptr) {
      fmt::print("process {}: down\n", p);
      continue;
    }
    const auto* gossip = static_cast<const Gossip*>(process);
    fmt::print("process {}: up (incarnation {}), counter {} (durable {}), heard up to {}\n", p,
               w.incarnation(sim::ProcessId{p}), gossip->value(), gossip->durable(),
               gossip->highest_heard());
  }
  if (ok) {
    fmt::print("durability: ok (all {} starts recovered at least the last durable value)\n",
               watch.starts_checked());
  } else {
    fmt::print("durability: VIOLATED\n");
    for (const std::string& v : watch.violations()) fmt::print("  {}\n", v);
  }
  fmt::print("fingerprint: {}\n", fingerprint);
  // Wall-clock speed goes to stderr: standard output stays identical from run to run.
  fmt::print(stderr, "wall: {:.3f}s, {:.0f} events/s\n", wall_seconds,
             wall_seconds > 0 ? static_cast<double>(st.events) / wall_seconds : 0.0);
  return ok ? kExitOk : kExitFailed;
}

}  // namespace zabsim::cli
