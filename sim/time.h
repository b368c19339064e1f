// File: sim/time.h
//
// Virtual time. The world has one global timeline in integer microseconds; nothing in
// sim/ or zab/ ever reads a wall clock. `Time` is a point on the timeline, `Duration`
// the distance between two points. Both are strong types so that a duration can never
// be passed where a point in time is meant.
//
//   Time deadline = now + Duration::Millis(200);
//   if (now >= deadline) ...

#ifndef ZABSIM_SIM_TIME_H_
#define ZABSIM_SIM_TIME_H_

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace zabsim::sim {

struct Duration {
  int64_t us = 0;

  static constexpr Duration Micros(int64_t n) { return Duration{n}; }
  static constexpr Duration Millis(int64_t n) { return Duration{n * 1000}; }
  static constexpr Duration Seconds(int64_t n) { return Duration{n * 1000 * 1000}; }
  static constexpr Duration Zero() { return Duration{0}; }

  friend constexpr auto operator<=>(Duration, Duration) = default;
  friend constexpr Duration operator+(Duration a, Duration b) { return Duration{a.us + b.us}; }
  friend constexpr Duration operator-(Duration a, Duration b) { return Duration{a.us - b.us}; }
  friend constexpr Duration operator*(Duration a, int64_t k) { return Duration{a.us * k}; }
  friend constexpr Duration operator/(Duration a, int64_t k) { return Duration{a.us / k}; }
  constexpr Duration& operator+=(Duration other) {
    us += other.us;
    return *this;
  }
};

struct Time {
  int64_t us = 0;

  static constexpr Time Zero() { return Time{0}; }
  // Max is "never": later than any event a run can schedule.
  static constexpr Time Max() { return Time{INT64_MAX}; }

  friend constexpr auto operator<=>(Time, Time) = default;
  friend constexpr Time operator+(Time t, Duration d) { return Time{t.us + d.us}; }
  friend constexpr Time operator-(Time t, Duration d) { return Time{t.us - d.us}; }
  friend constexpr Duration operator-(Time a, Time b) { return Duration{a.us - b.us}; }
};

// ParseDuration reads "250us", "2ms", "1.5s", "2m" (minutes) exactly, with no floating
// point. A bare number is rejected: the unit is never guessed.
absl::StatusOr<Duration> ParseDuration(std::string_view text);

// FormatDuration writes the shortest exact form, e.g. "1.5s", "250us", "2ms".
std::string FormatDuration(Duration d);

// FormatTime writes seconds with six decimals, e.g. "12.000250".
std::string FormatTime(Time t);

}  // namespace zabsim::sim

#endif  // ZABSIM_SIM_TIME_H_
