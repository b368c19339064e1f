// File: runner/knobs.h
//
// Knob swarming: world and ZAB settings drawn per seed, as the swarm draws faults
// (`--knobs swarm` on sim, sweep and hunt). Some bugs live in corners of the settings
// that default runs rarely visit: ZK-4643 needs an fsync slow enough for a crash to land
// inside it, ZK-3642 a SNAP sync and latencies spread wide enough to reorder its
// messages, ZK-4685 a SyncThread that ACKs before the learner thread gets to. FoundationDB randomizes its knobs in every simulation run for the same
// reason. Each seed turns each profile below on or off, from its own stream "knobs", so a
// seed means the same settings wherever it runs; explicit --set and --zab still win.
//
//   for (const Knob& k : DrawKnobs(seed)) ApplyKnob(k, options);
//   fmt::print("knobs: {}\n", KnobFlags(DrawKnobs(seed)));  // "--set=... --zab=..."

#ifndef ZABSIM_RUNNER_KNOBS_H_
#define ZABSIM_RUNNER_KNOBS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "runner/cluster.h"

namespace zabsim::runner {

// Knob is one setting: of the world (`zab` false, a --set key) or of ZAB (a --zab key).
struct Knob {
  bool zab = false;
  std::string_view key;
  std::string_view value;
};

// DrawKnobs returns the settings of the profiles that are on for `seed`, in a fixed order:
//   slow-disk     disk.fsync_latency=20ms..200ms        (one seed in two)
//   wide-latency  net.latency=1ms..200ms                (one seed in two)
//   sync          one of: the defaults; commit_log_count=5 (DIFFs from the txn log);
//                 commit_log_count=1 and txn_log_sync=0 (SNAPs)
//   slow-threads  sched.jitter=0us..5ms: a thread may wait long for a CPU (one seed in two)
//   disk-errors   disk.error_rate=1/1000: an fsync fails now and then (one seed in eight)
std::vector<Knob> DrawKnobs(uint64_t seed);

// ApplyKnob sets `knob` in `options`.
absl::Status ApplyKnob(const Knob& knob, ClusterOptions& options);

// KnobFlags writes knobs as the command-line flags that set them ("" for none), so that
// a seed drawn with knobs replays without --knobs.
std::string KnobFlags(const std::vector<Knob>& knobs);

}  // namespace zabsim::runner

#endif  // ZABSIM_RUNNER_KNOBS_H_
