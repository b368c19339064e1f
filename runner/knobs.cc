#include "runner/knobs.h"

#include <fmt/format.h>

#include "sim/random.h"

namespace zabsim::runner {

std::vector<Knob> DrawKnobs(uint64_t seed) {
  sim::Rng rng = sim::Rng::Derive(seed, "knobs");
  std::vector<Knob> knobs;
  // Every draw is made whatever the earlier ones gave, so that a profile's chance and
  // meaning do not depend on the others.
  const bool slow_disk = rng.Below(2) == 1;
  const bool wide_latency = rng.Below(2) == 1;
  const uint64_t sync = rng.Below(3);
  const bool slow_threads = rng.Below(2) == 1;
  const bool disk_errors = rng.Below(8) == 0;
  if (slow_disk) knobs.push_back(Knob{false, "disk.fsync_latency", "20ms..200ms"});
  if (wide_latency) knobs.push_back(Knob{false, "net.latency", "1ms..200ms"});
  if (sync == 1) knobs.push_back(Knob{true, "commit_log_count", "5"});
  if (sync == 2) {
    knobs.push_back(Knob{true, "commit_log_count", "1"});
    knobs.push_back(Knob{true, "txn_log_sync", "0"});
  }
  if (slow_threads) knobs.push_back(Knob{false, "sched.jitter", "0us..5ms"});
  if (disk_errors) knobs.push_back(Knob{false, "disk.error_rate", "1/1000"});
  return knobs;
}

absl::Status ApplyKnob(const Knob& knob, ClusterOptions& options) {
  return knob.zab ? options.zab.Set(knob.key, knob.value) : options.world.Set(knob.key, knob.value);
}

std::string KnobFlags(const std::vector<Knob>& knobs) {
  std::string out;
  for (const Knob& k : knobs) {
    out += fmt::format("{}--{}={}={}", out.empty() ? "" : " ", k.zab ? "zab" : "set", k.key, k.value);
  }
  return out;
}

}  // namespace zabsim::runner
