// zabsim sim: one seeded run of a ZAB ensemble with clients and faults, and a summary
// of what happened: leaders by epoch, txns committed, client operations, faults, the
// final state of every server, the safety and liveness checks, and the trace fingerprint.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "absl/strings/str_split.h"
#include "base/status.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "runner/cluster.h"
#include "runner/liveness.h"
#include "runner/run_summary.h"
#include "runner/trace_file.h"
#include "sim/fault.h"
#include "sim/trace.h"

namespace zabsim::cli {
namespace {

FlagSet SimFlags() {
  FlagSet flags("sim", "zabsim sim [flags]",
                "Run one seeded ZAB ensemble with clients and faults, then print what happened:\n"
                "leaders by epoch, txns committed, client operations, faults, the final state of\n"
                "every server, the safety and liveness checks (docs/invariants.md) and the trace\n"
                "fingerprint.");
  flags.Add("seed", "N", "1", "root seed of every random stream");
  flags.Add("voters", "N", "3", "voting servers");
  flags.Add("observers", "N", "0", "observers");
  flags.Add("clients", "N", "3", "clients, each running its own workload");
  flags.Add("ops", "N", "100", "operations per client");
  flags.Add("time", "DURATION", "60s", "how long faults may happen (the swarm window)");
  flags.Add("quiet", "DURATION", "90s",
            "fault-free time after --time, for the ensemble to recover and converge");
  flags.Add("liveness-ticks", "N", "40",
            "after the faults, a converged ensemble is owed within N ticks (tick_ms each); "
            "0 turns the liveness check off (docs/invariants.md)");
  flags.Add("faults", "PLAN", "swarm",
            "'swarm' (fault kinds and rates drawn from the seed, within --time), 'none', or a "
            "plan such as '5s crash 1; 12s restart 1' (see docs/world.md)");
  flags.AddRepeated("set", "KEY=VALUE", "world setting, e.g. net.latency=1ms..5ms (docs/world.md)");
  flags.AddRepeated("zab", "KEY=VALUE", "ZAB setting, e.g. tick_ms=500 (docs/protocol.md)");
  flags.AddRepeated("bug", "NAME", "turn on a bug switch: a real ZooKeeper bug or a classic mistake (see 'zabsim bugs')");
  flags.Add("trace", "FILE", "", "write the full trace to FILE ('-' for standard output)");
  flags.Add("format", "text|jsonl", "text", "form of the --trace output");
  flags.AddBool("brief", "print only the fingerprint");
  flags.AddExample("zabsim sim");
  flags.AddExample("zabsim sim --seed 7 --voters 5 --clients 5 --ops 200");
  flags.AddExample("zabsim sim --faults '5s crash 1; 20s restart 1' --trace run.jsonl --format jsonl");
  return flags;
}

int Usage(const absl::Status& status) {
  fmt::print(stderr, "{}\n", base::Text(status));
  return kExitUsage;
}

absl::Status Fail(std::string message) { return absl::InvalidArgumentError(std::move(message)); }

absl::Status ApplySettings(const FlagSet& flags, runner::ClusterOptions& options) {
  for (const std::string& s : flags.GetAll("set")) {
    const size_t eq = s.find('=');
    if (eq == std::string::npos) return Fail(fmt::format("zabsim sim: --set '{}': expected KEY=VALUE", s));
    if (absl::Status st = options.world.Set(s.substr(0, eq), s.substr(eq + 1)); !st.ok()) {
      return Fail(fmt::format("zabsim sim: --set {}", base::Text(st)));
    }
  }
  for (const std::string& s : flags.GetAll("zab")) {
    const size_t eq = s.find('=');
    if (eq == std::string::npos) return Fail(fmt::format("zabsim sim: --zab '{}': expected KEY=VALUE", s));
    if (absl::Status st = options.zab.Set(s.substr(0, eq), s.substr(eq + 1)); !st.ok()) {
      return Fail(fmt::format("zabsim sim: --zab {}", base::Text(st)));
    }
  }
  for (const std::string& b : flags.GetAll("bug")) {
    if (absl::Status st = zab::EnableBug(options.zab.bugs, b); !st.ok()) {
      return Fail(fmt::format("zabsim sim: --bug: {}", base::Text(st)));
    }
  }
  return absl::OkStatus();
}

// WithoutTraceFlag is the arguments that shape the run, for the trace header: where the
// trace goes does not, and would make two traces of the same run differ.
std::vector<std::string> WithoutTraceFlag(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--trace") {
      ++i;  // And its value.
    } else if (args[i].rfind("--trace=", 0) != 0) {
      out.push_back(args[i]);
    }
  }
  return out;
}

}  // namespace

int RunSim(const std::vector<std::string>& args) {
  FlagSet flags = SimFlags();
  if (absl::Status s = flags.Parse(args); !s.ok()) return Usage(s);
  if (flags.help()) {
    fmt::print("{}", flags.Help());
    return kExitOk;
  }
  runner::ClusterOptions options;
  auto seed = flags.GetUint("seed", 0, UINT64_MAX);
  auto voters = flags.GetUint("voters", 1, 15);
  auto observers = flags.GetUint("observers", 0, 15);
  auto clients = flags.GetUint("clients", 0, 200);
  auto ops = flags.GetUint("ops", 0, 1000000);
  auto window = flags.GetDuration("time");
  auto quiet = flags.GetDuration("quiet");
  auto liveness_ticks = flags.GetUint("liveness-ticks", 0, 1000000);
  for (const absl::Status& s : {seed.status(), voters.status(), observers.status(), clients.status(),
                                ops.status(), window.status(), quiet.status(), liveness_ticks.status()}) {
    if (!s.ok()) return Usage(s);
  }
  if (window->us <= 0) return Usage(Fail("zabsim sim: --time must be positive"));
  const sim::Duration horizon = *window + *quiet;
  options.seed = *seed;
  options.zab.voters = static_cast<uint32_t>(*voters);
  options.zab.observers = static_cast<uint32_t>(*observers);
  options.clients = static_cast<uint32_t>(*clients);
  options.workload.ops = *ops;
  if (absl::Status s = ApplySettings(flags, options); !s.ok()) return Usage(s);
  const auto format = runner::TraceFile::ParseFormat(flags.Get("format"));
  if (!format.ok()) return Usage(Fail(fmt::format("zabsim sim: {}", base::Text(format.status()))));
  const uint32_t servers = options.zab.servers();
  sim::FaultPlan plan;
  sim::SwarmSettings swarm;
  const std::string faults = flags.Get("faults");
  if (faults == "swarm") {
    // Faults hit servers only; clients are the observers of the run.
    plan = sim::Swarm(options.seed, servers, *window, /*signals=*/1, &swarm);
  } else if (faults != "none") {
    auto parsed = sim::FaultPlan::Parse(faults);
    if (!parsed.ok()) return Usage(Fail(fmt::format("zabsim sim: --faults: {}", base::Text(parsed.status()))));
    plan = *std::move(parsed);
  }

  auto cluster = runner::Cluster::Create(options);
  if (!cluster.ok()) return Usage(Fail(fmt::format("zabsim sim: {}", base::Text(cluster.status()))));
  runner::World& world = (*cluster)->world();
  if (absl::Status s = world.Schedule(plan); !s.ok()) {
    return Usage(Fail(fmt::format("zabsim sim: --faults: {}", base::Text(s))));
  }
  runner::RunSummary summary(**cluster);

  std::unique_ptr<runner::TraceFile> trace_file;
  bool trace_to_stdout = false;
  if (const std::string path = flags.Get("trace"); !path.empty()) {
    auto opened = runner::TraceFile::Open(path, *format);
    if (!opened.ok()) return Usage(Fail(fmt::format("zabsim sim: --trace: {}", base::Text(opened.status()))));
    trace_file = *std::move(opened);
    trace_to_stdout = trace_file->to_stdout();
    trace_file->Attach(**cluster, "sim", "", WithoutTraceFlag(args));
  }

  const auto wall_start = std::chrono::steady_clock::now();
  // The faults end with --time (or with the plan's last fault, if later); from there a
  // converged ensemble is owed within the bound. Running the world in steps leaves the
  // run as it is (same events, same order).
  const sim::Duration liveness_bound =
      sim::Duration::Millis(static_cast<int64_t>(*liveness_ticks) * options.zab.tick_ms);
  std::optional<runner::LivenessVerdict> liveness;
  sim::Time faults_end{window->us};
  for (const sim::TimedFault& f : plan.faults) faults_end = std::max(faults_end, f.at);
  world.RunUntil(std::min(faults_end, sim::Time{horizon.us}));
  if (*liveness_ticks > 0) liveness = runner::CheckLiveness(**cluster, liveness_bound, sim::Time{horizon.us});
  world.RunUntil(sim::Time{horizon.us});
  const double wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  const bool live = !liveness || liveness->kind != runner::LivenessVerdict::Kind::kViolated;
  if (trace_file != nullptr) {
    std::vector<runner::Verdict> verdicts = summary.verdicts();
    if (liveness && liveness->kind != runner::LivenessVerdict::Kind::kNotChecked) {
      runner::Verdict v{"liveness", {}};
      if (!live) v.violations.push_back(runner::Describe(*liveness, liveness_bound) + "\n" + liveness->detail);
      verdicts.push_back(std::move(v));
    }
    trace_file->Verdicts(world.now(), verdicts);
    trace_file->End(world.now());
    trace_file.reset();
  }
  const bool ok = summary.violations().empty() && live;
  const std::string fingerprint = sim::FormatFingerprint(world.trace().fingerprint());
  // With --trace -, standard output is the trace: the summary goes to standard error, so
  // that the trace can be piped into another program whole.
  std::FILE* const out = trace_to_stdout ? stderr : stdout;
  if (flags.GetBool("brief")) {
    fmt::print(out, "{}\n", fingerprint);
    return ok ? kExitOk : kExitFailed;
  }
  fmt::print(out, "zabsim sim: {} voters, {} observers, {} clients x {} ops, seed {}, {} of faults "
             "then {} quiet\n",
             options.zab.voters, options.zab.observers, options.clients, options.workload.ops,
             options.seed, sim::FormatDuration(*window), sim::FormatDuration(*quiet));
  if (faults == "swarm") fmt::print(out, "swarm: {}\n", swarm.ToString());
  fmt::print(out, "faults: {} scheduled{}\n", plan.faults.size(), plan.faults.empty() ? "" : ":");
  for (const sim::TimedFault& f : plan.faults) {
    fmt::print(out, "  {:>10} {}\n", sim::FormatDuration(sim::Duration{f.at.us}), f.fault.ToString());
  }
  summary.Print(out);
  if (liveness) {
    fmt::print(out, "{}\n", runner::Describe(*liveness, liveness_bound));
    if (!live) {
      for (const absl::string_view line : absl::StrSplit(liveness->detail, '\n')) {
        fmt::print(out, "  {}\n", base::Std(line));
      }
    }
  }
  fmt::print(out, "fingerprint: {}\n", fingerprint);
  fmt::print(stderr, "wall: {:.3f}s, {:.0f} events/s\n", wall_seconds,
             wall_seconds > 0 ? static_cast<double>(world.stats().events) / wall_seconds : 0.0);
  return ok ? kExitOk : kExitFailed;
}

}  // namespace zabsim::cli
