// File: cli/scenario_sweep.h
//
// `zabsim sweep --scenario FILE --seeds A..B`: a scenario file run once per seed, as
// `zabsim run --seed N FILE` runs it (the cluster's seed replaced, each `swarm` drawing
// its stretch from it): the outputs are another run's, so they are not compared, and a
// seed fails on a violation, a failed `expect`, or a command the run could not carry
// out. With --minimize DIR a failing seed is written as DIR/seed-N.scn: the file with
// that seed on its cluster line, its swarms' own seeds dropped and its frozen outputs
// left out, so that `zabsim run` replays it and fails on what the seed broke; then
// shrunk to the commands it needs to fail that way.

#ifndef ZABSIM_CLI_SCENARIO_SWEEP_H_
#define ZABSIM_CLI_SCENARIO_SWEEP_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "cli/flags.h"
#include "cli/seed_runs.h"
#include "zab/releases.h"

namespace zabsim::cli {

struct ScenarioSweep {
  std::string path;
  std::string content;
  zab::ReleaseChoice release;  // --zk, --bug, --fix, as `zabsim run` takes them.
};

// ScenarioSweepFromFlags reads --scenario's file and checks that it parses, and that no
// flag that shapes a sim run (the file says its own) was given.
absl::StatusOr<ScenarioSweep> ScenarioSweepFromFlags(const FlagSet& flags);

// RunScenarioSeed runs the file with `seed`.
SeedResult RunScenarioSeed(const ScenarioSweep& sweep, uint64_t seed);

// ScenarioResultLine is the seed's line in a results file: seed, scenario, verdict,
// failed checks, first violation, fingerprint.
std::string ScenarioResultLine(const ScenarioSweep& sweep, const SeedResult& r);

// Reseed is the file's text for `seed`: the first cluster line's seed= set to it, every
// swarm's seed= dropped (a swarm then draws from the cluster's seed, as under --seed),
// and every `----` block of frozen output left out (another seed prints other lines).
std::string Reseed(std::string_view content, uint64_t seed);

// WriteReseeded writes Reseed's text of a failing seed to DIR/seed-N.scn, with a comment
// on top saying where it comes from, and says whether `zabsim run` fails on it with the
// seed's first check ("reproduces"). A file that does is then shrunk
// (runner/scenario/shrink.h): commands dropped and repeat counts lowered while it still
// fails that way, in at most kMaxShrinkRuns replays.
inline constexpr size_t kMaxShrinkRuns = 100;
struct ReseededFile {
  std::string path;
  bool reproduces = false;
  size_t commands_before = 0;  // 0 when not shrunk.
  size_t commands_after = 0;
  size_t runs = 0;  // Replays, the first one included.
};
absl::StatusOr<ReseededFile> WriteReseeded(const ScenarioSweep& sweep, const SeedResult& r,
                                           const std::string& dir);

}  // namespace zabsim::cli

#endif  // ZABSIM_CLI_SCENARIO_SWEEP_H_
