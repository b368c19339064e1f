// File: runner/explore.h
//
// Systematic exploration (`zabsim explore`, docs/explore.md): every run of a small
// ensemble from its start, within bounds, one step at a time. At each point the steps
// that may come next (runner/explore_steps.h) are each taken in turn: breadth first by
// default, so the first violation found is one of the shortest runs to any violation.
// States already seen are not explored again; a state is named by its fingerprint
// (below). The world is not copied: each state is reached again from the start by
// replaying its choices ("stateless" search), which costs time linear in the depth but
// keeps memory to a few words per step taken.
//
//   ExploreOptions options;
//   options.cluster_line = "cluster voters=3 clients=1 bug=commit-without-quorum";
//   options.budget.writes = 1;
//   auto found = Explore(options);
//   if (found.ok() && found->counterexample) ... ScenarioText(options, *found) ...

#ifndef ZABSIM_RUNNER_EXPLORE_H_
#define ZABSIM_RUNNER_EXPLORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runner/cluster.h"

namespace zabsim::runner::explore {

// Budget bounds what the explorer may add to a run: client writes (client 1 submits
// create /eK vK, one at a time), crashes and restarts of servers.
struct Budget {
  uint32_t writes = 0;
  uint32_t crashes = 0;
  uint32_t restarts = 0;
};

inline constexpr uint32_t kAnyDeviations = UINT32_MAX;

struct ExploreOptions {
  ClusterOptions cluster;    // Built from cluster_line by ParseClusterLine.
  std::string cluster_line;  // The scenario's first command, e.g. "cluster voters=3 clients=1".
  Budget budget;
  // What arrives at one process over different connections arrives in time order (the
  // order of the run in time order, given when each was sent) rather than in any order.
  // Frames of one connection always arrive in order; a process's threads, fsyncs and
  // arrivals still interleave in every order, as do the steps of different processes.
  bool inbox_in_time_order = true;
  // Where the search starts: at time 0, or at the first point of the run in time order
  // where an established leader exists, or where the ensemble has converged (the prefix
  // is the ordinary run; the counterexample replays it with `run until=`).
  enum class From : uint8_t { kStart, kLeader, kConverged };
  From from = From::kConverged;
  uint32_t depth = 120;              // Steps per run, at most.
  // Deviations from time order per run, at most (kAnyDeviations: no bound). At each point
  // the first choice is the step the run in time order would take (the earliest event;
  // a timer once nothing else is pending); every other choice (a later event, a write, a
  // crash, a restart) is a deviation. Bounded, the search takes the runs with the fewest
  // deviations first, breadth first within each number (delay bounding, as CHESS bounds
  // preemptions): most bugs need few, and the runs with few deviations are few.
  uint32_t max_deviations = 2;
  // Of those deviations, the reorders at most: the ones that are not faults (a later event
  // taken first, a write put off). kAnyDeviations: only max_deviations bounds them. A bug
  // that needs many crashes and restarts but little reordering is reached by bounding the
  // reorders low and the deviations high: the faults then cost no reorders.
  uint32_t max_reorders = kAnyDeviations;
  // Offer a crash or a restart of server X only after a step that involved X (or after a
  // fault, a timer, and for crashes an arrival): elsewhere the fault commutes with the step
  // before it, and the run with the fault one step earlier reaches the same state
  // (docs/explore.md, "Where faults are placed"). False offers every fault at every point.
  bool reduce_faults = true;
  // A converged ensemble with nothing but timers pending and no client waiting for a reply
  // is quiet: its timers (pings, session ticks) are not taken, so the run ends there unless
  // a write or a fault comes next. False lets time pass in quiet ensembles too, to the depth.
  bool stop_when_quiet = true;
  uint64_t max_states = 200'000;     // Distinct states, at most.
  bool dfs = false;                  // Depth first instead of breadth first.
  // Polled between states: true stops the search (Ctrl-C); the result says how far it got.
  std::function<bool()> stop;
  // Called every `progress_every` states taken, with the result so far.
  std::function<void(const struct ExploreResult&)> progress;
  uint64_t progress_every = 1000;
};

struct Counterexample {
  std::vector<std::string> commands;  // The choices, as scenario commands.
  std::vector<std::string> checks;    // The names of the checks that fired.
  std::vector<std::string> violations;
  uint32_t deviations = 0;  // Its deviations from time order, faults included.
  uint32_t reorders = 0;    // Of those, the ones that are not faults.
  uint32_t crashes = 0;
  uint32_t restarts = 0;
};

struct ExploreResult {
  uint64_t states = 0;       // Distinct states reached.
  uint64_t taken = 0;        // Steps taken to reach a state (each replayed from the start).
  uint64_t revisits = 0;     // Steps that led to a state already seen.
  uint64_t events = 0;       // World events run, replays included.
  uint32_t deepest = 0;      // The longest run explored.
  // Breadth first: every run of at most this many steps was explored (or pruned as a
  // state seen before). Depth first: 0 unless the search ended.
  uint32_t complete_depth = 0;
  // Bounded deviations, breadth first: every run with at most this many deviations (and
  // within the depth) was explored; -1 if not even the run in time order was.
  int64_t complete_deviations = -1;
  uint64_t frontier = 0;     // Steps not yet taken when the search ended.
  bool exhausted = false;    // Every run within the bounds was explored.
  bool stopped = false;      // ExploreOptions::stop said so.
  bool state_limit = false;  // max_states was reached.
  uint64_t leaves = 0;       // States with no step left within the bounds.
  // Crashes and restarts not offered where they commute with the step before
  // (ExploreOptions::reduce_faults).
  uint64_t faults_skipped = 0;
  std::optional<Counterexample> counterexample;
};

// FromName is "start", "leader" or "converged".
std::string_view FromName(ExploreOptions::From from);

// ParseClusterLine builds the cluster of a scenario's `cluster` line, as `zabsim run`
// does (voters=, clients=, zk=, bug=, fix=; the defaults otherwise).
absl::StatusOr<ClusterOptions> ParseClusterLine(const std::string& line);

// Explore runs the search. An error means the cluster could not be built.
absl::StatusOr<ExploreResult> Explore(const ExploreOptions& options);

// ScenarioText is the scenario file that replays a counterexample: the cluster line,
// the choices, then `check`, which shows the violation (and fails `zabsim run`).
std::string ScenarioText(const ExploreOptions& options, const ExploreResult& result);

// Coverage says what a search without a violation covered, in one sentence: "all runs of
// 3 voters and 1 client with 1 write, at most 1 crash, depth <= 40: 5123 distinct states".
std::string Coverage(const ExploreOptions& options, const ExploreResult& result);

}  // namespace zabsim::runner::explore

#endif  // ZABSIM_RUNNER_EXPLORE_H_
