#include "sim/world_config.h"

#include <fmt/format.h>

#include "sim/clock.h"
#include "base/status.h"

namespace zabsim::sim {
namespace {

absl::Status Bad(std::string_view key, std::string_view value, std::string_view why) {
  return absl::InvalidArgumentError(fmt::format("{}={}: {}", key, value, why));
}

absl::Status CheckRatio(std::string_view key, Ratio r) {
  if (r.den == 0 || r.num > r.den) {
    return Bad(key, fmt::format("{}/{}", r.num, r.den), "a probability must lie in [0, 1]");
  }
  return absl::OkStatus();
}

absl::Status CheckDistribution(std::string_view key, const Distribution& d) {
  if (d.Min().us < 0) return Bad(key, d.ToString(), "durations must not be negative");
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> ParseUint(std::string_view key, std::string_view value) {
  if (value.empty() || value.size() > 19) return Bad(key, value, "expected a whole number");
  uint64_t out = 0;
  for (const char c : value) {
    if (c < '0' || c > '9') return Bad(key, value, "expected a whole number");
    out = out * 10 + static_cast<uint64_t>(c - '0');
  }
  return out;
}

}  // namespace

absl::Status WorldConfig::Validate() const {
  if (processes == 0) return Bad("processes", "0", "a world needs at least one process");
  if (processes > kMaxProcesses) {
    return Bad("processes", fmt::format("{}", processes),
               fmt::format("at most {} processes are supported", kMaxProcesses));
  }
  if (auto s = CheckDistribution("net.latency", net.latency); !s.ok()) return s;
  if (auto s = CheckDistribution("net.break_notice", net.break_notice); !s.ok()) return s;
  if (net.connect_timeout.us <= 0) {
    return Bad("net.connect_timeout", FormatDuration(net.connect_timeout), "must be positive");
  }
  if (auto s = CheckRatio("net.loss", net.loss); !s.ok()) return s;
  if (auto s = CheckRatio("net.unsafe_drop", net.unsafe_drop); !s.ok()) return s;
  if (auto s = CheckRatio("net.unsafe_duplicate", net.unsafe_duplicate); !s.ok()) return s;
  if (auto s = CheckDistribution("disk.fsync_latency", disk.fsync_latency); !s.ok()) return s;
  if (auto s = CheckRatio("disk.torn_write", disk.torn_write); !s.ok()) return s;
  if (auto s = CheckRatio("disk.error_rate", disk.error_rate); !s.ok()) return s;
  if (auto s = CheckDistribution("sched.jitter", sched_jitter); !s.ok()) return s;
  if (sched.pct_depth < 1 || sched.pct_depth > kMaxPctDepth) {
    return Bad("sched.pct_depth", fmt::format("{}", sched.pct_depth),
               fmt::format("must lie in [1, {}]", kMaxPctDepth));
  }
  if (sched.pct_steps == 0) return Bad("sched.pct_steps", "0", "must be positive");
  if (sched.pct_window.us < 0) {
    return Bad("sched.pct_window", FormatDuration(sched.pct_window), "must not be negative");
  }
  if (disk.writeback.us < 0) return Bad("disk.writeback", FormatDuration(disk.writeback), "must not be negative");
  constexpr int64_t kMaxDrift = LocalClock::kPerfectRatePpm - LocalClock::kMinRatePpm;
  if (clock_drift_ppm < 0 || clock_drift_ppm > kMaxDrift) {
    return Bad("clock.drift_ppm", fmt::format("{}", clock_drift_ppm),
               fmt::format("must lie in [0, {}]", kMaxDrift));
  }
  if (max_pending_events == 0) return Bad("max_pending_events", "0", "must be positive");
  if (max_events_per_second == 0) return Bad("max_events_per_second", "0", "must be positive");
  return absl::OkStatus();
}

std::vector<std::pair<std::string_view, std::string_view>> WorldConfig::Keys() {
  return {
      {"seed", "root seed of every random stream (whole number)"},
      {"processes", "number of processes (1 to 256)"},
      {"net.latency", "one-way frame latency (e.g. 1ms, 1ms..5ms, exp:2ms, 1ms+exp:2ms)"},
      {"net.break_notice", "delay before each end learns a connection broke"},
      {"net.connect_timeout", "time for a connection attempt to an unreachable peer to fail"},
      {"net.loss", "probability a data frame is lost (breaks the connection in tcp mode)"},
      {"net.channel", "tcp (FIFO, reliable until broken) or unsafe (drops, duplicates, reorders)"},
      {"net.unsafe_drop", "unsafe mode: probability a frame silently vanishes"},
      {"net.unsafe_duplicate", "unsafe mode: probability a frame is delivered twice"},
      {"disk.fsync_latency", "time from fsync request to completion"},
      {"disk.torn_write", "probability a crash leaves a half-written record (caught by checksum)"},
      {"disk.writeback", "age at which a change never synced is durable anyway (0: never)"},
      {"disk.error_rate", "probability an fsync, or writing a file anew, fails with an error"},
      {"sched.jitter", "how long a thread's step waits for a CPU (interleaves a process's threads)"},
      {"sched.policy", "random (events in time order) or pct (priorities, docs/scheduler.md)"},
      {"sched.pct_depth", "pct: the bug depth d aimed at, d-1 priority change points (1 to 10)"},
      {"sched.pct_steps", "pct: change points are drawn from the events 1..this"},
      {"sched.pct_window", "pct: events due this close after the earliest count as ready at once"},
      {"clock.drift_ppm", "clock rates drawn from 1e6 +/- this many ppm"},
      {"max_pending_events", "stop the run when more events than this are pending (an event storm)"},
      {"max_events_per_second",
       "stop the run when more events than this happen in one simulated second (an event storm)"},
  };
}

absl::Status WorldConfig::Set(std::string_view key, std::string_view value) {
  auto set_distribution = [&](Distribution& field) -> absl::Status {
    auto d = Distribution::Parse(value);
    if (!d.ok()) return Bad(key, value, base::Text(d.status()));
    field = *d;
    return absl::OkStatus();
  };
  auto set_ratio = [&](Ratio& field) -> absl::Status {
    auto r = ParseRatio(value);
    if (!r.ok()) return Bad(key, value, base::Text(r.status()));
    field = *r;
    return absl::OkStatus();
  };
  if (key == "seed") {
    auto v = ParseUint(key, value);
    if (!v.ok()) return v.status();
    seed = *v;
    return absl::OkStatus();
  }
  if (key == "processes") {
    auto v = ParseUint(key, value);
    if (!v.ok()) return v.status();
    if (*v == 0 || *v > kMaxProcesses) {
      return Bad(key, value, fmt::format("must lie in [1, {}]", kMaxProcesses));
    }
    processes = static_cast<uint32_t>(*v);
    return absl::OkStatus();
  }
  if (key == "net.latency") return set_distribution(net.latency);
  if (key == "net.break_notice") return set_distribution(net.break_notice);
  if (key == "net.connect_timeout") {
    auto d = ParseDuration(value);
    if (!d.ok()) return Bad(key, value, base::Text(d.status()));
    if (d->us <= 0) return Bad(key, value, "must be positive");
    net.connect_timeout = *d;
    return absl::OkStatus();
  }
  if (key == "net.loss") return set_ratio(net.loss);
  if (key == "net.channel") {
    if (value == "tcp") {
      net.channel = ChannelMode::kTcp;
    } else if (value == "unsafe") {
      net.channel = ChannelMode::kUnsafe;
    } else {
      return Bad(key, value, "expected tcp or unsafe");
    }
    return absl::OkStatus();
  }
  if (key == "net.unsafe_drop") return set_ratio(net.unsafe_drop);
  if (key == "net.unsafe_duplicate") return set_ratio(net.unsafe_duplicate);
  if (key == "disk.fsync_latency") return set_distribution(disk.fsync_latency);
  if (key == "disk.torn_write") return set_ratio(disk.torn_write);
  if (key == "disk.error_rate") return set_ratio(disk.error_rate);
  if (key == "sched.jitter") return set_distribution(sched_jitter);
  if (key == "sched.policy") {
    if (value == "random") {
      sched.policy = SchedPolicy::kRandom;
    } else if (value == "pct") {
      sched.policy = SchedPolicy::kPct;
    } else {
      return Bad(key, value, "expected random or pct");
    }
    return absl::OkStatus();
  }
  if (key == "sched.pct_depth") {
    auto v = ParseUint(key, value);
    if (!v.ok()) return v.status();
    if (*v < 1 || *v > kMaxPctDepth) return Bad(key, value, fmt::format("must lie in [1, {}]", kMaxPctDepth));
    sched.pct_depth = static_cast<uint32_t>(*v);
    return absl::OkStatus();
  }
  if (key == "sched.pct_steps") {
    auto v = ParseUint(key, value);
    if (!v.ok()) return v.status();
    if (*v == 0) return Bad(key, value, "must be positive");
    sched.pct_steps = *v;
    return absl::OkStatus();
  }
  if (key == "sched.pct_window") {
    auto d = ParseDuration(value);
    if (!d.ok()) return Bad(key, value, base::Text(d.status()));
    if (d->us < 0) return Bad(key, value, "must not be negative");
    sched.pct_window = *d;
    return absl::OkStatus();
  }
  if (key == "disk.writeback") {
    auto d = ParseDuration(value);
    if (!d.ok()) return Bad(key, value, base::Text(d.status()));
    if (d->us < 0) return Bad(key, value, "must not be negative");
    disk.writeback = *d;
    return absl::OkStatus();
  }
  if (key == "clock.drift_ppm") {
    auto v = ParseUint(key, value);
    if (!v.ok()) return v.status();
    constexpr int64_t kMaxDrift = LocalClock::kPerfectRatePpm - LocalClock::kMinRatePpm;
    if (*v > static_cast<uint64_t>(kMaxDrift)) {
      return Bad(key, value, fmt::format("must lie in [0, {}]", kMaxDrift));
    }
    clock_drift_ppm = static_cast<int64_t>(*v);
    return absl::OkStatus();
  }
  if (key == "max_pending_events") {
    auto v = ParseUint(key, value);
    if (!v.ok()) return v.status();
    if (*v == 0) return Bad(key, value, "must be positive");
    max_pending_events = *v;
    return absl::OkStatus();
  }
  if (key == "max_events_per_second") {
    auto v = ParseUint(key, value);
    if (!v.ok()) return v.status();
    if (*v == 0) return Bad(key, value, "must be positive");
    max_events_per_second = *v;
    return absl::OkStatus();
  }
  std::string known;
  for (const auto& [name, help] : Keys()) {
    if (!known.empty()) known += ", ";
    known += name;
  }
  return absl::InvalidArgumentError(
      fmt::format("unknown world setting '{}' (known: {})", key, known));
}

std::vector<std::pair<std::string, std::string>> WorldConfig::Describe() const {
  return {
      {"seed", fmt::format("{}", seed)},
      {"processes", fmt::format("{}", processes)},
      {"net.latency", net.latency.ToString()},
      {"net.break_notice", net.break_notice.ToString()},
      {"net.connect_timeout", FormatDuration(net.connect_timeout)},
      {"net.loss", FormatRatio(net.loss)},
      {"net.channel", net.channel == ChannelMode::kTcp ? "tcp" : "unsafe"},
      {"net.unsafe_drop", FormatRatio(net.unsafe_drop)},
      {"net.unsafe_duplicate", FormatRatio(net.unsafe_duplicate)},
      {"disk.fsync_latency", disk.fsync_latency.ToString()},
      {"disk.torn_write", FormatRatio(disk.torn_write)},
      {"disk.writeback", FormatDuration(disk.writeback)},
      {"disk.error_rate", FormatRatio(disk.error_rate)},
      {"sched.jitter", sched_jitter.ToString()},
      {"sched.policy", sched.policy == SchedPolicy::kPct ? "pct" : "random"},
      {"sched.pct_depth", fmt::format("{}", sched.pct_depth)},
      {"sched.pct_steps", fmt::format("{}", sched.pct_steps)},
      {"sched.pct_window", FormatDuration(sched.pct_window)},
      {"clock.drift_ppm", fmt::format("{}", clock_drift_ppm)},
      {"max_pending_events", fmt::format("{}", max_pending_events)},
      {"max_events_per_second", fmt::format("{}", max_events_per_second)},
  };
}

}  // namespace zabsim::sim
