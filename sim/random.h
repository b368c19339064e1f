// File: sim/random.h
//
// Deterministic randomness. Every random choice in a run comes from an `Rng` derived by
// name from the run's one root seed, so that:
//  - the same seed gives the same bits on every compiler, standard library and machine
//    (we never use std::*_distribution, std::random_device, rand() or absl::BitGen);
//  - independent streams ("net/1->2", "disk/3", "faults", "workload") never shift each
//    other: a new draw in one stream leaves every other stream's sequence unchanged.
//
// The generator is xoshiro256** seeded through SplitMix64, as its authors recommend.
// Bounded integers use Lemire's multiply-shift with rejection; probabilities are exact
// integer ratios, never doubles.
//
//   Rng net = Rng::Derive(seed, "net/1->2");
//   Duration latency = Duration::Micros(net.Between(200, 900));
//   if (net.Chance(loss)) ...

#ifndef ZABSIM_SIM_RANDOM_H_
#define ZABSIM_SIM_RANDOM_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "base/check.h"

namespace zabsim::sim {

// Ratio is an exact probability num/den with 0 <= num <= den and den > 0.
struct Ratio {
  uint64_t num = 0;
  uint64_t den = 1;

  static constexpr Ratio Never() { return Ratio{0, 1}; }
  static constexpr Ratio Always() { return Ratio{1, 1}; }
  constexpr bool IsZero() const { return num == 0; }
  friend constexpr bool operator==(Ratio a, Ratio b) {
    return static_cast<unsigned __int128>(a.num) * b.den ==
           static_cast<unsigned __int128>(b.num) * a.den;
  }
};

// ParseRatio reads a probability written as "0.05", "5%", "1/20", "0" or "1". Values
// outside [0, 1] are rejected, never clamped.
absl::StatusOr<Ratio> ParseRatio(std::string_view text);

// FormatRatio writes a ratio back in the shortest of its exact forms.
std::string FormatRatio(Ratio r);

// SplitMix64 is a tiny generator used to seed xoshiro and to derive stream seeds.
class SplitMix64 {
 public:
  explicit constexpr SplitMix64(uint64_t seed) : state_(seed) {}
  constexpr uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

class Rng {
 public:
  // FromSeed seeds the four words of xoshiro256** from SplitMix64(seed).
  static Rng FromSeed(uint64_t seed);
  // Derive returns the stream called `name` of the run seeded with `root`. The stream
  // depends only on (root, name), never on how many other streams exist or were drawn.
  static Rng Derive(uint64_t root, std::string_view name);
  // FromState starts from a raw xoshiro256** state, for the reference-vector tests.
  // REQUIRES: not all zero.
  static Rng FromState(const std::array<uint64_t, 4>& s) {
    ZABSIM_CHECK((s[0] | s[1] | s[2] | s[3]) != 0);
    return Rng(s);
  }
  // StreamSeed is the seed Derive uses; exposed for golden tests and for sub-seeding.
  static uint64_t StreamSeed(uint64_t root, std::string_view name);

  // Next returns 64 uniformly random bits (xoshiro256**).
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Below returns a uniform integer in [0, n). REQUIRES: n > 0.
  uint64_t Below(uint64_t n) {
    ZABSIM_CHECK(n > 0);
    uint64_t x = Next();
    unsigned __int128 m = static_cast<unsigned __int128>(x) * n;
    uint64_t low = static_cast<uint64_t>(m);
    if (low < n) {
      const uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        x = Next();
        m = static_cast<unsigned __int128>(x) * n;
        low = static_cast<uint64_t>(m);
      }
    }
    return static_cast<uint64_t>(m >> 64);
  }

  // Between returns a uniform integer in [lo, hi]. REQUIRES: lo <= hi.
  int64_t Between(int64_t lo, int64_t hi) {
    ZABSIM_CHECK(lo <= hi, "Between({}, {})", lo, hi);
    const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
    if (span == UINT64_MAX) return static_cast<int64_t>(Next());
    return static_cast<int64_t>(static_cast<uint64_t>(lo) + Below(span + 1));
  }

  // Unit returns a double in [0, 1) with 53 random bits; exact on every platform.
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

  // Chance returns true with probability exactly r.num / r.den.
  bool Chance(Ratio r) {
    ZABSIM_CHECK(r.den > 0 && r.num <= r.den, "bad ratio {}/{}", r.num, r.den);
    if (r.num == 0) return false;
    if (r.num == r.den) return true;
    return Below(r.den) < r.num;
  }

  // Pick returns a uniformly chosen element. REQUIRES: !items.empty().
  template <typename T>
  const T& Pick(std::span<const T> items) {
    ZABSIM_CHECK(!items.empty());
    return items[Below(items.size())];
  }

  // Shuffle permutes items uniformly (Fisher-Yates with our own Below).
  template <typename T>
  void Shuffle(std::span<T> items) {
    for (size_t i = items.size(); i > 1; --i) {
      std::swap(items[i - 1], items[Below(i)]);
    }
  }

  // NegLogUnit returns -ln(U) for U uniform in (0, 1], in fixed point with 24 fractional
  // bits, computed with integer arithmetic only (no libm, so no cross-library drift).
  // Multiply by a mean and shift right by 24 to draw from an exponential distribution.
  uint64_t NegLogUnitQ24();

 private:
  explicit Rng(const std::array<uint64_t, 4>& s) : s_(s) {}
  static constexpr uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  std::array<uint64_t, 4> s_;
};

}  // namespace zabsim::sim

#endif  // ZABSIM_SIM_RANDOM_H_
