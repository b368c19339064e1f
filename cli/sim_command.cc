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

#include "zab/config.h"

#include "absl/strings/str_split.h"
#include "base/status.h"
#include "cli/commands.h"
#include "cli/coverage_flags.h"
#include "cli/flags.h"
#include "cli/memory_limit.h"
#include "cli/run_flags.h"
#include "cli/seed_runs.h"
#include "cli/trace_flags.h"
#include "runner/cluster.h"
#include "runner/liveness.h"
#include "runner/narrate.h"
#include "runner/run_summary.h"
#include "runner/sim_run.h"
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
  AddRunFlags(flags);
  AddTraceFlags(flags);
  AddKnownFlag(flags);
  AddCoverageFlags(flags);
  flags.AddBool("brief", "print only the fingerprint");
  flags.AddBool("json", "print the summary as one JSON object (docs/ci.md)");
  flags.AddBool("narrate", "explain the run as it goes, one sentence per step, saying why (docs/teaching.md)");
  flags.AddExample("zabsim sim");
  flags.AddExample("zabsim sim --seed 7 --voters 5 --clients 5 --ops 200");
  flags.AddExample("zabsim sim --faults '5s crash 1; 20s restart 1' --trace run.jsonl --format jsonl");
  flags.AddExample("zabsim sim --faults none --ops 3 --time 2s --quiet 1s --narrate");
  flags.AddExample("zabsim sim --ops 5 --trace run.mmd --format mermaid --to 1 --peers 1,2,3");
  flags.AddExample("zabsim sim --bug ZK-4925 --seed 11 --trace run.html --format html");
  flags.AddExample("zabsim sim --seed 7 --json");
  flags.AddExample("zabsim sim --seed 7 --coverage");
  return flags;
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

// SummaryJson is `zabsim sim --json`: what the text summary says, as one JSON object.
std::string SummaryJson(const runner::SimSpec& spec, const RunShape& shape, runner::SimRun& run,
                        const std::string& swarm, const std::string& knobs, const std::string& anomaly,
                        bool ok, const std::string& replay) {
  const runner::ClusterOptions& o = spec.options;
  runner::RunSummary& summary = run.summary();
  runner::Cluster& cluster = run.cluster();
  std::vector<std::string> bugs;
  for (const std::string_view b : zab::EnabledBugs(o.zab.bugs)) bugs.push_back(JsonString(b));
  std::vector<std::string> faults;
  for (const sim::TimedFault& f : spec.plan.faults) {
    faults.push_back(fmt::format("{{\"at_us\":{},\"fault\":{}}}", f.at.us, JsonString(f.fault.ToString())));
  }
  std::vector<std::string> leaders;
  for (const auto& [epoch, sid] : summary.leaders()) leaders.push_back(fmt::format("\"{}\":{}", epoch, sid));
  std::vector<std::string> servers;
  for (uint32_t sid = 1; sid <= cluster.servers(); ++sid) {
    const zab::Peer* p = cluster.peer(sid);
    if (p == nullptr) {
      servers.push_back(fmt::format("{{\"sid\":{},\"up\":false}}", sid));
      continue;
    }
    servers.push_back(fmt::format(
        "{{\"sid\":{},\"up\":true,\"state\":{},\"phase\":{},\"leader\":{},\"accepted_epoch\":{},"
        "\"current_epoch\":{},\"last\":{},\"digest\":\"{:016x}\",\"nodes\":{}}}",
        sid, JsonString(zab::ToString(p->state())), JsonString(zab::ToString(p->phase())), p->leader().value,
        p->accepted_epoch().value, p->current_epoch().value, JsonString(zab::ToString(p->db().last_processed())),
        p->db().tree().digest(), p->db().tree().node_count()));
  }
  std::vector<std::string> verdicts;
  for (const runner::Verdict& v : run.verdicts()) {
    verdicts.push_back(fmt::format("{{\"check\":{},\"ok\":{},\"violations\":{},\"known\":{}}}",
                                   JsonString(v.check), v.violations.empty() ? "true" : "false",
                                   JsonList(v.violations), v.known.empty() ? "null" : JsonString(v.known)));
  }
  return fmt::format(
      "{{\"seed\":{},\"settings\":{{\"voters\":{},\"observers\":{},\"clients\":{},\"ops\":{},\"time\":{},"
      "\"quiet\":{},\"zk\":{},\"bugs\":[{}],\"swarm\":{},\"knobs\":{}}},\"faults\":[{}],\"leaders\":{{{}}},"
      "\"elections\":{},\"committed\":{},\"client_ops\":{{\"ok\":{},\"failed\":{},\"indeterminate\":{}}},"
      "\"servers\":[{}],\"converged\":{},\"verdicts\":[{}],\"known\":{},\"result\":\"{}\","
      "\"fingerprint\":\"{}\",\"events\":{},\"sim_time_us\":{},\"replay\":{}}}",
      o.seed, o.zab.voters, o.zab.observers, o.clients, o.workload.ops, JsonString(sim::FormatDuration(spec.window)),
      JsonString(sim::FormatDuration(spec.quiet)), JsonString(o.zab.release), fmt::join(bugs, ","),
      shape.swarm ? JsonString(swarm) : "null", shape.knobs ? JsonString(knobs) : "null", fmt::join(faults, ","),
      fmt::join(leaders, ","), summary.elections(), summary.committed(), summary.ops_ok(), summary.ops_failed(),
      summary.ops_indeterminate(), fmt::join(servers, ","), cluster.Converged() ? "true" : "false",
      fmt::join(verdicts, ","), anomaly.empty() ? "null" : JsonString(anomaly), ok ? "ok" : "failed",
      sim::FormatFingerprint(cluster.world().trace().fingerprint()), cluster.world().stats().events,
      cluster.world().now().us, JsonString(replay));
}

}  // namespace

int RunSim(const std::vector<std::string>& args) {
  FlagSet flags = SimFlags();
  AddMaxMemoryFlag(flags);
  if (const std::optional<int> done = ParseCommand(flags, args)) return *done;
  auto seed = flags.GetUint("seed", 0, UINT64_MAX);
  if (!seed.ok()) return Usage(seed.status());
  auto shape = ShapeFromFlags(flags, "sim");
  if (!shape.ok()) return Usage(shape.status());
  auto known_policy = ParseKnown(flags, "sim");
  if (!known_policy.ok()) return Usage(known_policy.status());
  auto coverage = CoverageOutput::FromFlags(flags, "sim");
  if (!coverage.ok()) return Usage(coverage.status());
  const bool json = flags.GetBool("json");
  if (json) {
    for (const char* other : {"brief", "narrate"}) {
      if (flags.GetBool(other)) {
        return Usage(Fail(fmt::format("zabsim sim: --json with --{}: give one of them", other)));
      }
    }
    if (flags.Get("trace") == "-") {
      return Usage(Fail("zabsim sim: --json with --trace -: both would be standard output"));
    }
  }
  auto opened = OpenTraceFromFlags(flags, "sim");
  if (!opened.ok()) return Usage(opened.status());
  sim::SwarmSettings swarm;
  std::string knobs;
  const runner::SimSpec spec = shape->Spec(*seed, &swarm, &knobs);
  const runner::ClusterOptions& options = spec.options;
  auto run = runner::SimRun::Create(spec);
  if (!run.ok()) return Usage(Fail(fmt::format("zabsim sim: {}", base::Text(run.status()))));
  runner::Cluster& cluster = (*run)->cluster();
  runner::World& world = cluster.world();
  const sim::FaultPlan& plan = spec.plan;

  std::unique_ptr<runner::TraceFile> trace_file = *std::move(opened);
  bool trace_to_stdout = false;
  if (trace_file != nullptr) {
    trace_to_stdout = trace_file->to_stdout();
    if (absl::Status s = trace_file->Attach(cluster, "sim", "", WithoutTraceFlag(args)); !s.ok()) {
      return Usage(Fail(fmt::format("zabsim sim: {}", base::Text(s))));
    }
  }

  // The narration goes where the summary goes: with --trace -, standard output is the trace.
  std::unique_ptr<runner::NarrationSink> narration;
  if (flags.GetBool("narrate")) {
    narration = std::make_unique<runner::NarrationSink>(trace_to_stdout ? stderr : stdout,
                                                        options.zab.voters, options.zab.QuorumSize(),
                                                        cluster.servers());
    world.trace().AddSink(narration.get());
  }

  const auto wall_start = std::chrono::steady_clock::now();
  (*run)->Run();
  if (narration != nullptr) world.trace().RemoveSink(narration.get());
  const double wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  const std::optional<runner::LivenessVerdict>& liveness = (*run)->liveness();
  const sim::Duration liveness_bound = spec.LivenessBound();
  const bool live = (*run)->live();
  absl::Status trace_closed;
  if (trace_file != nullptr) {
    trace_file->Verdicts(world.now(), (*run)->verdicts());
    trace_file->End(world.now());
    trace_closed = trace_file->Close();
    trace_file.reset();
  }
  // The summary is printed whatever became of the trace; a trace that was asked for and
  // not written whole still makes the command fail.
  // --coverage prints to `to` (with --json it goes into the object instead, to = null);
  // --coverage-json is written either way.
  absl::Status coverage_written;
  const auto report_coverage = [&](std::FILE* to) {
    coverage_written = coverage->Report(cluster.coverage(), 1, to);
  };
  const auto finish = [&trace_closed, &coverage_written](int exit) {
    if (!coverage_written.ok()) return Usage(coverage_written);
    if (trace_closed.ok()) return exit;
    return Usage(Fail(fmt::format("zabsim sim: --trace: {}", base::Text(trace_closed))));
  };
  runner::RunSummary& summary = (*run)->summary();
  // A failure real ZooKeeper shows too is named, and --known decides whether it fails.
  const std::string anomaly = KnownAnomaly((*run)->verdicts());
  const bool ok = (*run)->ok() || (!anomaly.empty() && *known_policy != KnownPolicy::kFail);
  const std::string fingerprint = sim::FormatFingerprint(world.trace().fingerprint());
  // With --trace -, standard output is the trace: the summary goes to standard error, so
  // that the trace can be piped into another program whole.
  std::FILE* const out = trace_to_stdout ? stderr : stdout;
  if (flags.GetBool("brief")) {
    fmt::print(out, "{}\n", fingerprint);
    report_coverage(out);
    return finish(ok ? kExitOk : kExitFailed);
  }
  if (json) {
    const std::string replay = fmt::format("{} --seed {}", CommandLine("zabsim sim", *shape), *seed);
    std::string object = SummaryJson(spec, *shape, **run, swarm.ToString(), knobs, anomaly, ok, replay);
    if (coverage->print()) {
      // The coverage object goes in as one more field, before the closing brace.
      std::string counts = CoverageJson(cluster.coverage(), 1);
      while (!counts.empty() && counts.back() == '\n') counts.pop_back();
      object.insert(object.size() - 1, fmt::format(",\"coverage\":{}", counts));
    }
    fmt::print(out, "{}\n", object);
    report_coverage(nullptr);
    return finish(ok ? kExitOk : kExitFailed);
  }
  fmt::print(out, "zabsim sim: {} voters, {} observers, {} clients x {} ops, seed {}, {} of faults "
             "then {} quiet\n",
             options.zab.voters, options.zab.observers, options.clients, options.workload.ops,
             options.seed, sim::FormatDuration(spec.window), sim::FormatDuration(spec.quiet));
  {
    // The release, and every bug switch on: what ZooKeeper this run is.
    std::string bugs;
    for (const std::string_view b : zab::EnabledBugs(options.zab.bugs)) bugs += (bugs.empty() ? "" : ", ") + std::string(b);
    fmt::print(out, "zookeeper: {} (bugs on: {})\n", options.zab.release, bugs.empty() ? "none" : bugs);
  }
  if (shape->swarm) fmt::print(out, "swarm: {}\n", swarm.ToString());
  if (shape->knobs) fmt::print(out, "knobs: {}\n", knobs.empty() ? "the defaults" : knobs);
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
  if (!anomaly.empty() && *known_policy != KnownPolicy::kIgnore) {
    fmt::print(out, "known: {}, which real ZooKeeper shows too ({}){}\n", anomaly,
               anomaly == "ZOOKEEPER-1675" ? "sync is not a quorum operation: docs/bug-zoo.md"
                                           : "docs/invariants.md",
               *known_policy == KnownPolicy::kReport ? "; not counted (--known report)" : "");
  }
  fmt::print(out, "fingerprint: {}\n", fingerprint);
  report_coverage(out);
  fmt::print(stderr, "wall: {:.3f}s, {:.0f} events/s\n", wall_seconds,
             wall_seconds > 0 ? static_cast<double>(world.stats().events) / wall_seconds : 0.0);
  return finish(ok ? kExitOk : kExitFailed);
}

}  // namespace zabsim::cli
