// File: sim/world_config.h
//
// The settings of one simulated world. Every field has a default; `Validate` rejects
// impossible values with a message naming the parameter and the value (nothing is
// clamped), and `Set` changes one setting from its written form, for command lines and
// scenario files:
//
//   WorldConfig config;
//   config.seed = 7;
//   if (absl::Status s = config.Set("net.latency", "1ms..5ms"); !s.ok()) ...
//   if (absl::Status s = config.Validate(); !s.ok()) ...

#ifndef ZABSIM_SIM_WORLD_CONFIG_H_
#define ZABSIM_SIM_WORLD_CONFIG_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "sim/distribution.h"
#include "sim/random.h"
#include "sim/time.h"

namespace zabsim::sim {

enum class ChannelMode : uint8_t {
  // TCP: per-connection FIFO, no duplicates, and a lost frame breaks the connection
  // (both ends are told; everything in flight is gone).
  kTcp,
  // Unsafe: frames of a connection may be silently dropped, duplicated and reordered,
  // as over UDP. Exists to show why ZAB needs FIFO reliable channels.
  kUnsafe,
};

struct NetworkConfig {
  // One-way latency of each frame.
  Distribution latency = Distribution::Uniform(Duration::Micros(200), Duration::Micros(1000));
  // How long after a connection breaks each end learns of it (TCP error detection).
  Distribution break_notice = Distribution::Uniform(Duration::Millis(1), Duration::Millis(20));
  // How long a connection attempt to an unreachable peer takes to fail.
  Duration connect_timeout = Duration::Seconds(1);
  // Probability that a data frame is lost (breaking its connection in TCP mode).
  Ratio loss = Ratio::Never();
  ChannelMode channel = ChannelMode::kTcp;
  // In unsafe mode only: per-frame probabilities of silent loss and of duplication.
  Ratio unsafe_drop = Ratio{1, 20};
  Ratio unsafe_duplicate = Ratio{1, 20};
};

struct DiskConfig {
  // Time from an fsync request to its completion; completions are FIFO per disk.
  Distribution fsync_latency = Distribution::Uniform(Duration::Micros(500), Duration::Millis(2));
  // Probability, at a crash, that the first unsynced append of a file lands half written
  // (a torn record, detected by its checksum at restart).
  Ratio torn_write = Ratio::Never();
  // A change never synced is durable anyway once this old: the kernel writes dirty pages
  // back after about 30 s (Linux's dirty_expire_centisecs), so what a program does not
  // fsync survives a crash that comes late enough. Zero: never.
  Duration writeback = Duration::Seconds(30);
  // Probability that an fsync, or the writing of a file anew, fails with an error (a
  // flaky disk). Fault `disk-error` fails them for a while instead.
  Ratio error_rate = Ratio::Never();
};

// How the world picks the next event among those due (docs/scheduler.md).
enum class SchedPolicy : uint8_t {
  // By (time, insertion order): the randomness is in the drawn delays alone.
  kRandom,
  // PCT (sim/pct.h): among the events due within `pct_window` of the earliest, the one
  // of the highest-priority thread runs first; the others run late, by at most the window.
  kPct,
};

struct SchedulerConfig {
  SchedPolicy policy = SchedPolicy::kRandom;
  // PCT: the bug depth d aimed at (d-1 priority change points).
  uint32_t pct_depth = 3;
  // PCT: the change points are drawn from the steps (events) 1..pct_steps: about the
  // events of one run (`zabsim sim`'s default run has about 8,000).
  uint64_t pct_steps = 10'000;
  // PCT: events due this close after the earliest one count as ready at once.
  Duration pct_window = Duration::Millis(1);
};

// The deepest PCT depth accepted: each level divides the guarantee by the run's steps.
inline constexpr uint32_t kMaxPctDepth = 10;

struct WorldConfig {
  uint64_t seed = 1;
  uint32_t processes = 3;
  NetworkConfig net;
  DiskConfig disk;
  // How long a thread's step waits for a CPU once due (Context::Schedule): the freedom
  // an operating system's scheduler has to interleave a process's threads.
  Distribution sched_jitter = Distribution::Uniform(Duration::Micros(0), Duration::Micros(100));
  // Which event runs next when several are due (PCT or the plain time order).
  SchedulerConfig sched;
  // Each process's clock runs at a rate drawn uniformly from 1e6 +/- this many parts per
  // million of true time (0: perfect clocks).
  int64_t clock_drift_ppm = 0;
  // The world stops (World::stopped) when more events than this are pending: messages
  // multiplying faster than they drain (an election that never settles) would otherwise
  // eat all memory. A healthy ensemble of a few servers keeps a few thousand pending.
  uint64_t max_pending_events = uint64_t{1} << 20;
  // ... and when more events than this happen within one simulated second: messages that
  // bounce back and forth at once (a vote order that is not total) can storm without
  // piling up, and simulated time would then hardly move. A busy ensemble under
  // continuous writes runs about 40,000 a second.
  uint64_t max_events_per_second = 1'000'000;

  [[nodiscard]] absl::Status Validate() const;
  // Set changes the setting `key` (as listed by Keys()) from its written form.
  [[nodiscard]] absl::Status Set(std::string_view key, std::string_view value);
  // Describe lists every setting as (key, written value), in a fixed order.
  std::vector<std::pair<std::string, std::string>> Describe() const;
  // Keys lists the settings Set accepts, with a one-line description each.
  static std::vector<std::pair<std::string_view, std::string_view>> Keys();
};

// The most processes a world may hold; bounds per-link tables.
inline constexpr uint32_t kMaxProcesses = 256;

}  // namespace zabsim::sim

#endif  // ZABSIM_SIM_WORLD_CONFIG_H_
