// zabsim explore: every run of a small ensemble from its start, within bounds, breadth
// first, until a check fails (the run is written as a scenario) or every run is covered
// (the coverage is stated). docs/explore.md describes what is explored and pruned.

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/status.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/run_flags.h"
#include "cli/seed_runs.h"
#include "runner/explore.h"
#include "runner/output_file.h"
#include "runner/scenario/runner.h"

namespace zabsim::cli {
namespace {

// The exit status after Ctrl-C, as the shell reports a process that SIGINT ended.
constexpr int kExitInterrupted = 130;

FlagSet ExploreFlags() {
  FlagSet flags("explore", "zabsim explore [flags]",
                "Explore every run of a small ensemble within bounds, one step at a time: at each\n"
                "point each step that may come next (a message arriving on a connection, an\n"
                "fsync completing, a thread's next step, a client write, a crash or restart\n"
                "within its budget; a timer once nothing else is pending) is taken in turn. Runs\n"
                "with fewer deviations from time order come first (--deviations), so the first\n"
                "violation found is one with the fewest. States seen before are not explored\n"
                "again. A violation is written as a scenario file that 'zabsim run' fails on; a\n"
                "search without one says what it covered (docs/explore.md).");
  flags.Add("voters", "N", "3", "voting servers (1..7)");
  AddReleaseFlags(flags, "the ZooKeeper release whose order of steps and bugs to run");
  flags.Add("from", "POINT", "converged",
            "where the search starts: 'start' (time 0), or the first point of the ordinary run "
            "(in time order) with a 'leader' established, or where the ensemble has 'converged'");
  flags.Add("writes", "N", "1", "client writes (create /eK vK), one at a time, from one client");
  flags.Add("crashes", "N", "1", "server crashes, at any point");
  flags.Add("restarts", "N", "0", "restarts of crashed servers, at any point");
  flags.Add("depth", "N", "120", "steps per run, at most");
  flags.Add("deviations", "N|any", "2",
            "choices per run other than the step the run in time order takes next (a later "
            "event, a write, a crash, a restart), at most; runs with fewer come first. 'any': "
            "no bound, plain breadth first by depth");
  flags.Add("reorders", "N|any", "any",
            "of the deviations, the ones that are not crashes or restarts (a later event, a write "
            "put off), at most; with a low bound, runs with many faults and little reordering are "
            "reached");
  flags.Add("max-states", "N", "200000", "distinct states, at most (memory grows with them)");
  flags.AddBool("timers-when-quiet",
                "let time pass in a quiet ensemble (converged, nothing but timers pending, no client "
                "waiting): by default its pings are not taken and a run ends there unless a write or "
                "a fault comes next");
  flags.AddBool("every-fault-point",
                "offer every crash and restart at every point; by default a fault of a server is "
                "offered only after a step that involved it, since elsewhere it commutes with the "
                "step before (the same states, fewer runs)");
  flags.AddBool("any-arrival-order",
                "let what arrives at a server over different connections arrive in any order, not "
                "in the order of its arrival times (many more runs)");
  flags.AddBool("dfs", "depth first instead of breadth first (finds a violation sooner, not the shortest)");
  flags.Add("out", "FILE", "", "write the counterexample, if one is found, as a scenario to FILE");
  flags.AddExample("zabsim explore --voters 3 --bug commit-without-quorum --out cx.scn");
  flags.AddExample("zabsim explore --voters 3 --writes 2 --crashes 1 --restarts 1 --deviations 3");
  flags.AddExample("zabsim explore --from start --deviations any --depth 12 --max-states 100000");
  flags.AddExample("zabsim explore --zk master+fixes --bug ZK-4712 --writes 2 --reorders 1");
  flags.AddNote(
      "Progress (states, states/s, how far the search is complete, steps waiting) goes to\n"
      "standard error every second when it is a terminal. Ctrl-C stops the search and prints what it covered\n"
      "so far (exit status 130). Exit status: 0 no violation within the bounds, 1 a check\n"
      "failed (the first one found is printed, and written with --out), 2 usage error or\n"
      "--out could not be written.");
  return flags;
}

// ClusterLine is the scenario's cluster line for the flags: the counterexample replays on
// exactly this ensemble.
std::string ClusterLine(const FlagSet& flags, uint64_t voters, uint64_t writes) {
  std::string line = fmt::format("cluster voters={} clients={}", voters, writes > 0 ? 1 : 0);
  if (flags.IsSet("zk")) line += " zk=" + flags.Get("zk");
  for (const std::string& b : flags.GetAll("bug")) line += " bug=" + b;
  for (const std::string& f : flags.GetAll("fix")) line += " fix=" + f;
  return line;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

int RunExplore(const std::vector<std::string>& args) {
  FlagSet flags = ExploreFlags();
  if (const std::optional<int> done = ParseCommand(flags, args)) return *done;
  auto voters = flags.GetUint("voters", 1, 7);
  if (!voters.ok()) return Usage(voters.status());
  auto writes = flags.GetUint("writes", 0, 20);
  if (!writes.ok()) return Usage(writes.status());
  auto crashes = flags.GetUint("crashes", 0, 20);
  if (!crashes.ok()) return Usage(crashes.status());
  auto restarts = flags.GetUint("restarts", 0, 20);
  if (!restarts.ok()) return Usage(restarts.status());
  auto depth = flags.GetUint("depth", 1, 100000);
  if (!depth.ok()) return Usage(depth.status());
  auto max_states = flags.GetUint("max-states", 1, 100'000'000);
  if (!max_states.ok()) return Usage(max_states.status());
  uint32_t deviations = runner::explore::kAnyDeviations;
  if (flags.Get("deviations") != "any") {
    auto d = flags.GetUint("deviations", 0, 1000);
    if (!d.ok()) {
      return Usage(Fail(fmt::format("zabsim explore: --deviations '{}': expected a number of deviations "
                                    "(0..1000) or 'any'",
                                    flags.Get("deviations"))));
    }
    deviations = static_cast<uint32_t>(*d);
  }
  uint32_t reorders = runner::explore::kAnyDeviations;
  if (flags.Get("reorders") != "any") {
    auto d = flags.GetUint("reorders", 0, 1000);
    if (!d.ok()) {
      return Usage(Fail(fmt::format("zabsim explore: --reorders '{}': expected a number of steps "
                                    "(0..1000) or 'any'",
                                    flags.Get("reorders"))));
    }
    reorders = static_cast<uint32_t>(*d);
  }
  if (auto release = ReleaseFromFlags(flags, "explore"); !release.ok()) return Usage(release.status());

  runner::explore::ExploreOptions options;
  if (const std::string from = flags.Get("from"); from == "start") {
    options.from = runner::explore::ExploreOptions::From::kStart;
  } else if (from == "leader") {
    options.from = runner::explore::ExploreOptions::From::kLeader;
  } else if (from == "converged") {
    options.from = runner::explore::ExploreOptions::From::kConverged;
  } else {
    return Usage(Fail(fmt::format("zabsim explore: --from '{}': expected start, leader or converged", from)));
  }
  options.cluster_line = ClusterLine(flags, *voters, *writes);
  auto cluster = runner::explore::ParseClusterLine(options.cluster_line);
  if (!cluster.ok()) return Usage(Fail(fmt::format("zabsim explore: {}", base::Text(cluster.status()))));
  options.cluster = *std::move(cluster);
  options.budget = {static_cast<uint32_t>(*writes), static_cast<uint32_t>(*crashes),
                    static_cast<uint32_t>(*restarts)};
  options.depth = static_cast<uint32_t>(*depth);
  options.max_states = *max_states;
  options.max_deviations = deviations;
  options.max_reorders = reorders;
  options.reduce_faults = !flags.GetBool("every-fault-point");
  options.stop_when_quiet = !flags.GetBool("timers-when-quiet");
  options.dfs = flags.GetBool("dfs");
  options.inbox_in_time_order = !flags.GetBool("any-arrival-order");
  // The output is opened before the search, so that a path that cannot be written is a
  // usage error at once, not after an hour; it is written only if a run is found.
  std::unique_ptr<runner::OutputFile> out;
  if (const std::string path = flags.Get("out"); !path.empty()) {
    auto opened = runner::OutputFile::Open(path);
    if (!opened.ok()) return Usage(Fail(fmt::format("zabsim explore: --out: {}", base::Text(opened.status()))));
    out = *std::move(opened);
  }

  CatchInterrupt interrupt;
  const auto start = std::chrono::steady_clock::now();
  double last_report = 0;
  options.stop = [] { return CatchInterrupt::interrupted(); };
  options.progress_every = 100;
  // As sweep and hunt: progress lines only on a terminal, not in a log or a pipe.
  const bool terminal = isatty(fileno(stderr)) != 0;
  options.progress = [&](const runner::explore::ExploreResult& r) {
    const double s = Seconds(start);
    if (!terminal || s - last_report < 1.0) return;
    last_report = s;
    const std::string done =
        options.max_deviations == runner::explore::kAnyDeviations
            ? fmt::format("every run of depth <= {} done", r.complete_depth)
            : fmt::format("every run with <= {} deviations done", r.complete_deviations);
    fmt::print(stderr, "explore: {} states, {:.0f} states/s, {}, {} steps waiting\n", r.states,
               r.states / s, options.dfs ? "depth first" : done, r.frontier);
  };
  auto found = runner::explore::Explore(options);
  if (!found.ok()) return Usage(Fail(fmt::format("zabsim explore: {}", base::Text(found.status()))));
  const double s = Seconds(start);
  const std::string rate =
      fmt::format("{:.1f} s, {:.0f} states/s, {} steps taken, {} world events run (replays included), "
                  "{} faults not offered where they commute with the step before",
                  s, s > 0 ? found->states / s : 0.0, found->taken, found->events, found->faults_skipped);
  if (!found->counterexample) {
    fmt::print("{}\n", runner::explore::Coverage(options, *found));
    fmt::print(stderr, "explore: {}\n", rate);
    return found->stopped ? kExitInterrupted : kExitOk;
  }
  const runner::explore::Counterexample& cx = *found->counterexample;
  std::string faults;
  if (cx.crashes > 0) faults += fmt::format(", {} crash{}", cx.crashes, cx.crashes == 1 ? "" : "es");
  if (cx.restarts > 0) faults += fmt::format(", {} restart{}", cx.restarts, cx.restarts == 1 ? "" : "s");
  fmt::print("violation after {} steps, {} from time order{} ({} distinct states explored): {}\n",
             cx.commands.size(), cx.deviations, faults, found->states, fmt::join(cx.checks, ", "));
  for (const std::string& v : cx.violations) fmt::print("  {}\n", v);
  const std::string text = runner::explore::ScenarioText(options, *found);
  // The scenario must fail `zabsim run` on the same check: run it here, as `run` would.
  const runner::scenario::FileResult replay =
      runner::scenario::RunFile(out ? flags.Get("out") : "counterexample.scn", text, {});
  if (!replay.error.empty() || replay.violations.empty()) {
    fmt::print(stderr, "zabsim explore: internal error: the counterexample does not replay: {}\n",
               replay.error.empty() ? "no violation" : replay.error);
    return kExitUsage;
  }
  if (out) {
    std::fputs(text.c_str(), out->file());
    if (absl::Status st = out->Commit(); !st.ok()) {
      return Usage(Fail(fmt::format("zabsim explore: --out: {}", base::Text(st))));
    }
    fmt::print("scenario: {} ('zabsim run {}' fails on it)\n", flags.Get("out"), flags.Get("out"));
  } else {
    fmt::print("the run, as a scenario (--out FILE writes it):\n{}", text);
  }
  fmt::print(stderr, "explore: {}\n", rate);
  return kExitFailed;
}

}  // namespace zabsim::cli
