// zabsim conform: run a scenario on a real ZooKeeper ensemble on loopback and in zabsim,
// and report what each side observed, side by side (docs/conformance.md).

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/status.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/run_flags.h"
#include "conform/lazyfs_mount.h"
#include "conform/plan.h"
#include "conform/process.h"
#include "conform/real_side.h"
#include "conform/report.h"
#include "conform/sim_side.h"
#include "runner/output_file.h"
#include "runner/scenario/parser.h"
#include "zab/config.h"
#include "zab/releases.h"

namespace zabsim::cli {
namespace {

constexpr int kExitInterrupted = 130;
// The real ensemble could not be run (ZooKeeper missing, a server that did not start, a
// wait that ran out): nothing is known about conformance, which is not a difference (1)
// nor a usage error (2). No other zabsim command exits 3, so a script can retry on it.
constexpr int kExitRealFailed = 3;

}  // namespace

int RunConform(const std::vector<std::string>& args) {
  FlagSet flags("conform", "zabsim conform [flags] FILE...",
                "Run each scenario twice: on a real Apache ZooKeeper ensemble (Debian's 'zookeeper'\n"
                "package, one JVM per server on loopback ports, in a temporary directory removed at the\n"
                "end) and in zabsim; then print what both observed, side by side: the leader and epoch\n"
                "after each 'run until=', the sync mode (DIFF, TRUNC, SNAP) the leader chose for each\n"
                "learner, each client operation's result and zxid, each server's mode and last zxid at\n"
                "'state' and at the end, and the final data on every server. Then the same checks on\n"
                "what each side observed (an acknowledged write lost, servers at one zxid with different\n"
                "trees, an acknowledged txn truncated) and, for a story that breaks one in zabsim, a\n"
                "verdict: reproduced on the real release or not. Exit 0 when every compared observation\n"
                "and check agrees, 1 when one differs, 2 on a usage or parse error or a command a\n"
                "real ensemble cannot perform, 3 when the real ensemble could not be run or failed\n"
                "(and no observation differs in another file), 130 when interrupted.");
  flags.AllowPositional("FILE");
  flags.AddBool("keep",
                "keep the real ensemble's temporary directory (configs, data, logs) and print its path "
                "and size: each txn log file is preallocated to 64 MB unless the scenario sets "
                "prealloc_kb");
  flags.AddBool("verbose", "print each step and each ZooKeeper CLI exchange as the real side runs");
  flags.Add("crash-disk", "journal|lazyfs", "journal",
            "how a real server's crash loses what it wrote without a sync: 'journal' undoes its "
            "unsynced txn log writes after the kill (the preload library's journal); 'lazyfs' "
            "mounts a FUSE layer on each data directory that holds every unsynced write in memory "
            "and drops them at the crash (needs /dev/fuse and zabsim_conform_lazyfs, built with "
            "libfuse3)");
  flags.Add("report", "FILE", "", "also write the reports to FILE");
  flags.Add("zk", "VERSION", "installed",
            "the release zabsim's side runs as: by default the installed server's, read from its "
            "jar; another is refused");
  flags.AddRepeated("bug", "NAME",
                    "turn on a bug switch in zabsim's side only, to watch the comparison catch it "
                    "(see 'zabsim bugs')");
  flags.AddRepeated("fix", "NAME", "turn off a bug switch in zabsim's side only");
  flags.AddNote(
      "Scenarios take cluster (voters, clients, client.N, seed, tick_ms, init_limit, sync_limit,\n"
      "commit_log_count of 500 or more, snap_count, snapshot_size_factor_permille of 1000 or\n"
      "less, txn_log_sync, prealloc_kb), run (until=leader, until=converged, until=epoch:N,\n"
      "for=D), create, set, delete (each may end in nowait), get, exists, crash, restart, state,\n"
      "show and check, and the faults the real side carries out: hold-next, drop-next,\n"
      "delay-next, hold, release, delay, partition, oneway, heal, break (through a quorum proxy\n"
      "the servers' connections are redirected to), disk-slow and disk-error (through a library\n"
      "preloaded into each server's JVM, which also lets a crash lose unsynced log writes; with\n"
      "--crash-disk lazyfs, a FUSE layer under each data directory loses every unsynced write).\n"
      "Anything else (isolate, loss, clock faults, swarms, ...) is refused with its\n"
      "FILE:LINE:COLUMN. The zookeeper package is installed if it is missing (as root).\n"
      "Expected outputs in the file are not used. See docs/conformance.md.");
  flags.AddExample("zabsim conform scenarios/conformance/election-3.scn");
  flags.AddExample("zabsim conform --keep --verbose scenarios/conformance/follower-diff.scn");
  flags.AddExample("zabsim conform --bug election-ignores-zxid scenarios/conformance/leader-crash.scn");
  if (const std::optional<int> done = ParseCommand(flags, args)) return *done;
  if (flags.positional().empty()) {
    fmt::print(stderr, "zabsim conform: no scenario files (see 'zabsim conform --help')\n");
    return kExitUsage;
  }
  conform::RealOptions options;
  options.keep = flags.GetBool("keep");
  options.verbose = flags.GetBool("verbose");
  if (const std::string disk = flags.Get("crash-disk"); disk == "lazyfs") {
    const absl::StatusOr<std::string> lazyfs = conform::LazyFsUsable();
    if (!lazyfs.ok()) {
      return Usage(Fail(fmt::format("zabsim conform: --crash-disk lazyfs: {}", base::Text(lazyfs.status()))));
    }
    options.crash_disk = conform::CrashDisk::kLazyFs;
    options.lazyfs = *lazyfs;
  } else if (disk != "journal") {
    return Usage(Fail(fmt::format("zabsim conform: --crash-disk {}: expected journal or lazyfs", disk)));
  }
  if (absl::Status s = conform::EnsureZooKeeper(); !s.ok()) {
    fmt::print(stderr, "zabsim conform: {}\n", base::Text(s));
    return kExitRealFailed;
  }
  // zabsim's side runs as the release of the real server.
  const absl::StatusOr<std::string> installed = conform::InstalledRelease();
  if (!installed.ok()) {
    fmt::print(stderr, "zabsim conform: {}\n", base::Text(installed.status()));
    return kExitRealFailed;
  }
  if (zab::FindRelease(*installed) == nullptr) {
    fmt::print(stderr, "zabsim conform: the installed ZooKeeper is {}, which zabsim has no profile of ({})\n",
               *installed, zab::ReleaseNames());
    return kExitRealFailed;
  }
  if (flags.IsSet("zk") && flags.Get("zk") != *installed) {
    return Usage(Fail(fmt::format("zabsim conform: --zk {}: the installed server is {}, and zabsim's "
                                  "side runs as the real one", flags.Get("zk"), *installed)));
  }
  zab::ReleaseChoice release;
  release.release = *installed;
  release.add = flags.GetAll("bug");
  release.remove = flags.GetAll("fix");
  zab::Config probe;
  if (absl::Status s = release.ApplyTo(probe); !s.ok()) {
    return Usage(Fail(fmt::format("zabsim conform: {}", base::Text(s))));
  }
  conform::CatchSignals();
  std::string all_reports;
  bool differ = false;       // Some compared observation differs: exit 1.
  bool real_failed = false;  // Some file's real ensemble failed: exit 3, unless one differs.
  for (const std::string& path : flags.positional()) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      fmt::print(stderr, "{}: cannot read the file\n", path);
      return kExitUsage;
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    auto file = runner::scenario::Parse(path, buffer.str());
    if (!file.ok()) {
      fmt::print(stderr, "{}\n", base::Text(file.status()));
      return kExitUsage;
    }
    auto plan = conform::MakePlan(*file);
    if (!plan.ok()) {
      fmt::print(stderr, "{}\n", base::Text(plan.status()));
      return kExitUsage;
    }
    auto sim = conform::RunSimSide(*file, *plan, release);
    if (!sim.ok()) {
      fmt::print(stderr, "{}\n", base::Text(sim.status()));
      return kExitUsage;
    }
    const conform::RestartPlan restarts = conform::PlanRestarts(*plan, sim->facts);
    auto real = conform::RunRealSide(*plan, sim->sessions, restarts, options);
    if (!real.ok()) {
      if (conform::Interrupted()) {
        fmt::print(stderr, "zabsim conform: interrupted; every server stopped, temporary files removed\n");
        return kExitInterrupted;
      }
      fmt::print(stderr, "{}: the real ensemble failed (exit status {}): {}\n", path, kExitRealFailed,
                 base::Text(real.status()));
      real_failed = true;
      continue;
    }
    const conform::Report report = conform::MakeReport(path, *real, sim->observations, restarts.warnings);
    fmt::print("{}\n", report.text);
    all_reports += report.text + "\n";
    if (report.differ > 0 || report.checks_differ) differ = true;
  }
  if (const std::string out = flags.Get("report"); !out.empty()) {
    if (absl::Status s = runner::WriteFile(out, all_reports); !s.ok()) {
      fmt::print(stderr, "zabsim conform: --report: {}\n", base::Text(s));
      return kExitUsage;
    }
  }
  return differ ? kExitFailed : real_failed ? kExitRealFailed : kExitOk;
}

}  // namespace zabsim::cli
