// File: runner/minimize_passes.h
//
// The shrinking passes of Minimize (runner/minimize.h). A pass proposes candidates,
// specs a little smaller than the current one, to a Shrinker, which judges each with
// its `fails` test and keeps the first that still fails; a pass returns whether it kept
// anything. The test is a parameter so that a pass can be unit-tested against a made-up
// failure (tests/runner/minimize_test.cc); Minimize's runs the candidate's scenario file.
//
// The passes and what each removes from the scenario file:
//   - DropFaultChunks: faults, by delta debugging (Zeller's ddmin);
//   - ShrinkWorkload: operations per client, then clients (a shorter, faster run);
//   - DropEpisodes: a fault together with the one that ends or resumes it (a crash and
//     its restart, a cut and its heal, ..., or a restart and the next crash of that
//     server, which merges two outages into one); ddmin removes contiguous chunks and
//     single faults, and misses such a pair when other faults lie between the two;
//   - MergeFaultTimes: a `run for` between two faults, by moving one of them to the
//     other's time;
//   - TrimTail: the `check liveness` when the kept check is another one, or the `run
//     for` between the last fault and the liveness check.
// Passes that only move or weaken faults propose a candidate only if it has fewer
// scenario commands (runner/minimize.h's ScenarioCommands), so every kept candidate is a
// shorter file or a smaller run, and a loop of passes ends.

#ifndef ZABSIM_RUNNER_MINIMIZE_PASSES_H_
#define ZABSIM_RUNNER_MINIMIZE_PASSES_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "runner/minimize.h"
#include "runner/sim_run.h"

namespace zabsim::runner {

struct Shrinker {
  // Fails judges a candidate: true if it still fails the way being kept.
  std::function<bool(const SimSpec&)> fails;
  // Kept, if set, is told of each candidate kept (then in `spec`).
  std::function<void(const Shrinker&)> kept;
  SimSpec spec;  // The smallest failing spec so far.
  uint32_t runs = 0;  // Candidates judged.
  // Past this many runs, Try judges nothing more: the bound on a shrink's cost.
  uint32_t runs_max = std::numeric_limits<uint32_t>::max();

  bool exhausted() const { return runs >= runs_max; }
  // Try judges `candidate` and keeps it if it fails; false, without a run, once the
  // budget is spent.
  bool Try(SimSpec candidate);
};

// The budget of the passes that follow the first ddmin and workload passes
// (ShrinkInOrder): 300 runs, about 1.5 s of 3-voter runs with 100 operations per client.
// The shrinks of docs/bug-zoo.md end well within it; it bounds a failure so sensitive to
// timing that nearly every candidate passes, and a shrink whose candidates are slow (an
// event storm runs to the world's event bound).
inline constexpr uint32_t kPolishRunsMax = 300;
// The longest scenario a person is asked to read: our bound on a shrunk 3-voter
// failure. A longer one is worth a second order of the passes (ShrinkBothWays).
inline constexpr size_t kReadableCommandsMax = 30;

// ShrinkInOrder runs the passes on `s`: ddmin over the faults, the workload, ddmin again
// (or, `workload_first`, the workload and then ddmin); then, within kPolishRunsMax runs,
// TrimTail, DropEpisodes, MergeFaultTimes and ddmin, over and over until none keeps
// anything.
void ShrinkInOrder(Shrinker& s, bool workload_first, bool liveness_kept);
// ShrinkBothWays runs ShrinkInOrder with the faults first and, if that leaves more than
// kReadableCommandsMax commands, again from the same spec with the workload first; it
// keeps the shorter result (the first on a tie).
void ShrinkBothWays(Shrinker& s, bool liveness_kept);

bool DropFaultChunks(Shrinker& s);
bool ShrinkWorkload(Shrinker& s);
bool DropEpisodes(Shrinker& s);
bool MergeFaultTimes(Shrinker& s);
// `liveness_kept`: the check being kept is the liveness verdict, so it stays on.
bool TrimTail(Shrinker& s, bool liveness_kept);

// Partner is the index of the fault that ends or resumes faults[i] (see DropEpisodes),
// or faults.size() if there is none.
size_t Partner(const std::vector<sim::TimedFault>& faults, size_t i);

}  // namespace zabsim::runner

#endif  // ZABSIM_RUNNER_MINIMIZE_PASSES_H_
