// File: sim/distribution.h
//
// Distributions of durations (network latency, fsync latency, fault gaps), sampled with
// integer arithmetic only so that every platform draws the same values.
//
// Written forms, as accepted by Parse and printed by ToString:
//   "2ms"              always 2ms
//   "1ms..5ms"         uniform over [1ms, 5ms], inclusive, in microseconds
//   "exp:2ms"          exponential with mean 2ms (bounded by about 37x the mean)
//   "500us+exp:2ms"    500us plus an exponential with mean 2ms

#ifndef ZABSIM_SIM_DISTRIBUTION_H_
#define ZABSIM_SIM_DISTRIBUTION_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "sim/random.h"
#include "sim/time.h"

namespace zabsim::sim {

class Distribution {
 public:
  enum class Kind { kFixed, kUniform, kExponential };

  static Distribution Fixed(Duration d) { return Distribution(Kind::kFixed, d, d, Duration{}); }
  static Distribution Uniform(Duration lo, Duration hi) {
    return Distribution(Kind::kUniform, lo, hi, Duration{});
  }
  static Distribution Exponential(Duration offset, Duration mean) {
    return Distribution(Kind::kExponential, offset, offset, mean);
  }

  // Parse reads one of the written forms above. Negative or reversed bounds are errors.
  static absl::StatusOr<Distribution> Parse(std::string_view text);

  Duration Sample(Rng& rng) const;
  // Min is the smallest value Sample can return.
  Duration Min() const { return lo_; }
  Kind kind() const { return kind_; }
  std::string ToString() const;

  friend bool operator==(const Distribution&, const Distribution&) = default;

 private:
  Distribution(Kind kind, Duration lo, Duration hi, Duration mean)
      : kind_(kind), lo_(lo), hi_(hi), mean_(mean) {}

  Kind kind_;
  Duration lo_;    // Fixed value, uniform lower bound, or exponential offset.
  Duration hi_;    // Uniform upper bound.
  Duration mean_;  // Exponential mean (above the offset).
};

}  // namespace zabsim::sim

#endif  // ZABSIM_SIM_DISTRIBUTION_H_
