// File: sim/clock.h
//
// A process's local clock. Real clocks drift: each process sees time through a rate
// (parts per million of true time; 1'000'000 is a perfect clock) and an offset. Timers a
// process sets are measured on its own clock, so a fast clock fires its timeouts early in
// global time and a slow one late, which is how clock drift reaches a protocol.
//
// Rate changes apply from the moment they happen: the clock is re-based so that local
// time stays continuous, and timers already set move with it (the world re-times them
// through GlobalAt), since a drifting clock reaches a pending timeout's deadline sooner or
// later too. Offset steps jump local time but do not move timers already set (they are
// measured as durations, like Java's System.nanoTime-based timeouts).
//
//   LocalClock clock;                      // perfect
//   clock.SetRate(now, 1'010'000);         // 1% fast from now on
//   Duration global = clock.ToGlobal(Duration::Millis(100));  // about 99.0099ms

#ifndef ZABSIM_SIM_CLOCK_H_
#define ZABSIM_SIM_CLOCK_H_

#include <cstdint>

#include "sim/time.h"

namespace zabsim::sim {

class LocalClock {
 public:
  static constexpr int64_t kPerfectRatePpm = 1'000'000;
  // Rates outside [kMinRatePpm, kMaxRatePpm] (0.1x to 10x) are rejected by validation.
  static constexpr int64_t kMinRatePpm = 100'000;
  static constexpr int64_t kMaxRatePpm = 10'000'000;

  // Now returns the local reading at global time `global`.
  Time Now(Time global) const;
  // ToGlobal converts a local duration into the global duration it takes to elapse,
  // rounded up so that a timer never fires before its local deadline.
  Duration ToGlobal(Duration local) const;

  // GlobalAt returns the first global time, from the clock's last re-basing on, at which
  // the local reading is at least `local`.
  Time GlobalAt(Time local) const;

  // SetRate changes the rate from global time `at` on. REQUIRES: rate within limits.
  void SetRate(Time at, int64_t rate_ppm);
  // Step jumps the local reading by `delta` (may be negative).
  void Step(Duration delta) { base_local_ = base_local_ + delta; }

  int64_t rate_ppm() const { return rate_ppm_; }

 private:
  Time base_global_;
  Time base_local_;
  int64_t rate_ppm_ = kPerfectRatePpm;
};

}  // namespace zabsim::sim

#endif  // ZABSIM_SIM_CLOCK_H_
