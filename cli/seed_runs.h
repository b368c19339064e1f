// File: cli/seed_runs.h
//
// Running many seeds of one run shape (cli/run_flags.h), for `zabsim sweep` and `hunt`:
// one seed's result, its line in a results file, and its failure minimized into a
// scenario file. Each seed is a whole, single-threaded run; seeds share nothing, so
// they may run on different threads, processes or machines and give the same results.

#ifndef ZABSIM_CLI_SEED_RUNS_H_
#define ZABSIM_CLI_SEED_RUNS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/flags.h"
#include "cli/run_flags.h"
#include "runner/minimize.h"
#include "runner/run_summary.h"
#include "zab/coverage.h"

namespace zabsim::cli {

struct SeedResult {
  uint64_t seed = 0;
  bool ok = true;
  std::vector<std::string> failed;  // Names of the checks that failed, in verdict order.
  std::string first_violation;      // The first violation's report, if any.
  std::string first_check;          // Its check: what minimizing keeps broken.
  uint64_t fingerprint = 0;
  uint64_t events = 0;
  sim::Time end;                    // Simulated time at the end of the run.
  std::string swarm;                // The swarm's settings for this seed ("" for a fixed plan).
  std::string knobs;                // The knobs drawn for it, as flags ("" without --knobs swarm).
  std::string known;                // A failure's known cause (KnownCause), "" if none.
  std::string anomaly;              // KnownAnomaly of its verdicts, "" if none.
  zab::Coverage coverage;           // The coverage marks the run reached (not in ResultLine).
};

// RunSeed runs one seed; an error is a spec the world refused (e.g. a bad setting).
absl::StatusOr<SeedResult> RunSeed(const RunShape& shape, uint64_t seed);

// KnownCause names what a failing seed's failure is already known as: the acceptedEpoch
// stall (ZooKeeper stalls so too); ZOOKEEPER-1675, a sync read that is not a quorum
// operation; ZK-4394 or ZK-4685 when the only checks that failed are their signatures
// (commit-pending, ack-consistent) in a release that has them; or a bug of the release
// that the seed passes without: a switch the command line added (--bug), one of its own,
// or the bugs built into its NEWLEADER order, together ("order-G1": the seed passes with
// G3). It reruns the seed once per candidate, then, if no single one explains it, finds
// a small set that does, joined by '+'. "" when none explains it: a new finding.
std::string KnownCause(const RunShape& shape, const SeedResult& r);

// KnownAnomaly names a run's failure when it is one that real ZooKeeper is known to
// produce itself, with no bug switch behind it: the acceptedEpoch stall, or a verdict
// RunSummary named as a known issue (Verdict::known: ZOOKEEPER-1675's stale read after a
// sync), when that is the only check of `verdicts` that failed. "" for any other failure
// (a new finding, or a bug of the release).
std::string KnownAnomaly(const std::vector<runner::Verdict>& verdicts);

// What --known does with a run whose only failure is a KnownAnomaly: `fail` counts it as
// any failure (named), `report` names it apart and does not fail the run, `ignore` leaves
// it out. AddKnownFlag adds the flag; ParseKnown reads it.
enum class KnownPolicy { kFail, kReport, kIgnore };
void AddKnownFlag(FlagSet& flags);
absl::StatusOr<KnownPolicy> ParseKnown(const FlagSet& flags, std::string_view command);

// ResultLine is the seed's line in a results file (JSON Lines, docs/scaling.md): seed,
// settings, verdict, failed checks, first violation, fingerprint, events, simulated
// time. Nothing in it depends on the machine, the thread or the wall clock.
std::string ResultLine(const RunShape& shape, const SeedResult& r);

// MinimizeSeed shrinks a failing seed (runner/minimize.h) and writes the scenario to
// DIR/seed-N.scn; it returns the minimization's account, with `path` set.
struct MinimizedFile {
  runner::Minimized minimized;
  std::string path;
};
absl::StatusOr<MinimizedFile> MinimizeSeed(const RunShape& shape, const SeedResult& r,
                                           const std::string& dir, std::string_view command_line);

// CatchInterrupt turns Ctrl-C (SIGINT) into a flag while it lives, so that a long sweep
// or hunt stops starting seeds and keeps what it has; afterwards Ctrl-C ends the process
// again. A signal handler can only touch a lock-free atomic, so the flag is process-wide.
class CatchInterrupt {
 public:
  CatchInterrupt();
  ~CatchInterrupt();
  CatchInterrupt(const CatchInterrupt&) = delete;
  CatchInterrupt& operator=(const CatchInterrupt&) = delete;
  // interrupted: Ctrl-C came since the last CatchInterrupt began.
  static bool interrupted();
};

// JUnitSeed adds a seed's test case ("seed N") to a JUnit report: a failure names its
// first failed check and violation, and ends with `replay`, the command that replays it
// (and the minimized scenario, if any); a known anomaly that --known does not count
// passes, named.
class JUnitReport;
void JUnitSeed(JUnitReport& report, std::string_view classname, std::string_view replay,
               const SeedResult& r, KnownPolicy policy, std::string_view minimized);

// SeedFilePath is DIR/seed-N.scn, where a failing seed's scenario is written ("found/"
// and "found" name the same directory: the path never says "found//").
std::string SeedFilePath(std::string_view dir, uint64_t seed);

// CommandLine is the command that runs `shape`'s seeds: `COMMAND` and the flags as given.
std::string CommandLine(std::string_view command, const RunShape& shape);

// JsonList quotes each string of `v` into a JSON array.
std::string JsonList(const std::vector<std::string>& v);

// JsonString quotes `s` as a JSON string.
std::string JsonString(std::string_view s);

}  // namespace zabsim::cli

#endif  // ZABSIM_CLI_SEED_RUNS_H_
