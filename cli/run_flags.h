// File: cli/run_flags.h
//
// The flags that shape a simulated run, shared by `zabsim sim`, `sweep` and `hunt` so
// that a seed found by one replays with the same flags in another: the ensemble, the
// clients and their workload, the fault window and quiet time, the liveness bound,
// world and ZAB settings, and bug switches. Faults are drawn swarm-style from each seed,
// or given as a fixed plan.

#ifndef ZABSIM_CLI_RUN_FLAGS_H_
#define ZABSIM_CLI_RUN_FLAGS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/flags.h"
#include "runner/sim_run.h"
#include "sim/fault.h"
#include "zab/config.h"
#include "zab/releases.h"

namespace zabsim::cli {

// AddRunFlags declares the run-shaping flags (not --seed: each command has its own way
// of choosing seeds).
void AddRunFlags(FlagSet& flags);

// RunShape is everything but the seed.
struct RunShape {
  runner::ClusterOptions options;
  zab::ReleaseChoice release;  // --zk, --bug, --fix (applied to options.zab).
  sim::Duration window;
  sim::Duration quiet;
  uint32_t liveness_ticks = 40;
  bool swarm = true;       // Faults drawn from each seed; else `plan`.
  sim::FaultPlan plan;     // --faults PLAN ('none': empty).
  bool knobs = false;      // --knobs swarm: settings drawn from each seed (runner/knobs.h).
  // The keys --set and --zab gave (their values are in `options`): no drawn knob
  // overrides them.
  std::vector<std::string> world_keys;
  std::vector<std::string> zab_keys;
  std::vector<std::string> args;  // The flags as given, to write into results.

  // Spec is the run for one seed. If given, `swarm_settings` receives the swarm's choices
  // and `knob_flags` the drawn knobs as flags (runner::KnobFlags), without those that
  // --set or --zab overrode.
  runner::SimSpec Spec(uint64_t seed, sim::SwarmSettings* swarm_settings = nullptr,
                       std::string* knob_flags = nullptr) const;
};

// ApplySettings hands each KEY=VALUE of the repeated flag --`name` to `set` (a world's
// or ZAB's Set); errors name `command` and the flag.
absl::Status ApplySettings(const FlagSet& flags, std::string_view name, std::string_view command,
                           const std::function<absl::Status(std::string_view, std::string_view)>& set);

// AddReleaseFlags declares --zk, --bug and --fix (AddRunFlags includes them).
void AddReleaseFlags(FlagSet& flags, std::string_view zk_help);
// ReleaseFromFlags reads --zk, --bug and --fix. The choice is not checked against a
// release yet (a scenario file may name its own); errors name `command`.
absl::StatusOr<zab::ReleaseChoice> ReleaseFromFlags(const FlagSet& flags, std::string_view command);

// ShapeFromFlags reads the run-shaping flags; errors name `command` and the flag.
absl::StatusOr<RunShape> ShapeFromFlags(const FlagSet& flags, std::string_view command);

}  // namespace zabsim::cli

#endif  // ZABSIM_CLI_RUN_FLAGS_H_
