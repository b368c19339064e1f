#include "sim/random.h"

#include <bit>

#include <fmt/format.h>

#include "absl/status/status.h"
#include "base/hash.h"

namespace zabsim::sim {

Rng Rng::FromSeed(uint64_t seed) {
  SplitMix64 mix(seed);
  std::array<uint64_t, 4> s{};
  for (uint64_t& word : s) word = mix.Next();
  // xoshiro's only bad state is all zeros; SplitMix64 output cannot produce four zeros in
  // a row, but say so rather than rely on it silently.
  ZABSIM_CHECK((s[0] | s[1] | s[2] | s[3]) != 0);
  return Rng(s);
}

uint64_t Rng::StreamSeed(uint64_t root, std::string_view name) {
  return base::Mix64(base::Mix64(root) ^ base::Fnv1a64(name));
}

Rng Rng::Derive(uint64_t root, std::string_view name) { return FromSeed(StreamSeed(root, name)); }

uint64_t Rng::NegLogUnitQ24() {
  // u in [1, 2^53] stands for U = u / 2^53 in (0, 1]; -ln U = (53 - log2 u) * ln 2.
  const uint64_t u = (Next() >> 11) + 1;
  const int k = 63 - std::countl_zero(u);  // floor(log2 u), 0..53
  // Normalise u to m in [2^62, 2^63), standing for a mantissa in [1, 2), then extract
  // the fractional bits of log2 by repeated squaring.
  uint64_t m = u << (62 - k);
  uint64_t fraction = 0;  // Q24
  for (int bit = 23; bit >= 0; --bit) {
    const unsigned __int128 square = static_cast<unsigned __int128>(m) * m;
    m = static_cast<uint64_t>(square >> 62);
    if (m >= (uint64_t{1} << 63)) {
      m >>= 1;
      fraction |= uint64_t{1} << bit;
    }
  }
  const uint64_t log2_q24 = (static_cast<uint64_t>(k) << 24) | fraction;
  const uint64_t neg_log2_q24 = (uint64_t{53} << 24) - log2_q24;
  constexpr uint64_t kLn2Q32 = 2977044472u;  // round(ln 2 * 2^32)
  return static_cast<uint64_t>((static_cast<unsigned __int128>(neg_log2_q24) * kLn2Q32) >> 32);
}

absl::StatusOr<Ratio> ParseRatio(std::string_view text) {
  auto invalid = [&](std::string_view why) {
    return absl::InvalidArgumentError(fmt::format(
        "invalid probability '{}': {} (expected a value in [0, 1] such as 0.05, 5%, 1/20)",
        text, why));
  };
  if (text.empty()) return invalid("empty");
  auto parse_uint = [](std::string_view digits, uint64_t& out) {
    if (digits.empty() || digits.size() > 18) return false;
    out = 0;
    for (const char c : digits) {
      if (c < '0' || c > '9') return false;
      out = out * 10 + static_cast<uint64_t>(c - '0');
    }
    return true;
  };
  Ratio r;
  if (const size_t slash = text.find('/'); slash != std::string_view::npos) {
    if (!parse_uint(text.substr(0, slash), r.num) || !parse_uint(text.substr(slash + 1), r.den)) {
      return invalid("not a fraction of two whole numbers");
    }
    if (r.den == 0) return invalid("zero denominator");
  } else {
    std::string_view decimal = text;
    uint64_t extra_scale = 1;
    if (decimal.back() == '%') {
      decimal.remove_suffix(1);
      extra_scale = 100;
    }
    const size_t dot = decimal.find('.');
    const std::string_view whole = decimal.substr(0, dot);
    const std::string_view fraction =
        dot == std::string_view::npos ? std::string_view() : decimal.substr(dot + 1);
    uint64_t whole_value = 0;
    uint64_t fraction_value = 0;
    if (!whole.empty() && !parse_uint(whole, whole_value)) return invalid("not a number");
    if (!fraction.empty() && !parse_uint(fraction, fraction_value)) return invalid("not a number");
    if (whole.empty() && fraction.empty()) return invalid("not a number");
    if (fraction.size() > 15) return invalid("too many decimals");
    uint64_t den = 1;
    for (size_t i = 0; i < fraction.size(); ++i) den *= 10;
    if (whole_value > 100) return invalid("greater than 1");
    r.num = whole_value * den + fraction_value;
    r.den = den * extra_scale;
  }
  if (r.num > r.den) return invalid("greater than 1");
  // Reduce so that equal probabilities print the same.
  uint64_t a = r.num;
  uint64_t b = r.den;
  while (b != 0) {
    const uint64_t t = a % b;
    a = b;
    b = t;
  }
  if (a > 1) {
    r.num /= a;
    r.den /= a;
  }
  if (r.num == 0) r.den = 1;
  return r;
}

std::string FormatRatio(Ratio r) {
  if (r.num == 0) return "0";
  if (r.num == r.den) return "1";
  // Exact decimal when the denominator divides a power of ten.
  uint64_t den = r.den;
  int twos = 0;
  int fives = 0;
  while (den % 2 == 0) {
    den /= 2;
    ++twos;
  }
  while (den % 5 == 0) {
    den /= 5;
    ++fives;
  }
  const int digits = twos > fives ? twos : fives;
  if (den == 1 && digits <= 15) {
    uint64_t scale = 1;
    for (int i = 0; i < digits; ++i) scale *= 10;
    const uint64_t scaled = r.num * (scale / r.den);
    std::string out = fmt::format("0.{:0{}}", scaled, digits);
    while (out.back() == '0') out.pop_back();  // An unreduced ratio such as 40/1000.
    return out;
  }
  return fmt::format("{}/{}", r.num, r.den);
}

}  // namespace zabsim::sim
